import { Schema } from 'effect'
import { mapErrors } from '../errors.js'
import { ApprovalFilterInput, ApprovalIdInput, ApprovalQueryInput, DecideInput } from '../inputs.js'
import { approverProcedure, router } from '../trpc.js'
import { approvalPageView, approvalView } from '../views.js'

/** The approval queue, for approvers and admins. */
export const approvalsRouter = router({
  list: approverProcedure
    .input(Schema.standardSchemaV1(ApprovalQueryInput))
    .query(({ ctx, input }) =>
      mapErrors(async () => approvalPageView(await ctx.countersign.approvals.list(input))),
    ),

  count: approverProcedure
    .input(Schema.standardSchemaV1(ApprovalFilterInput))
    .query(({ ctx, input }) => mapErrors(() => ctx.countersign.approvals.count(input))),

  get: approverProcedure
    .input(Schema.standardSchemaV1(ApprovalIdInput))
    .query(({ ctx, input }) =>
      mapErrors(async () => approvalView(await ctx.countersign.approvals.get(input.approvalId))),
    ),

  /**
   * Of concurrent deciders exactly one wins; the others get ApprovalAlreadyResolved (CONFLICT).
   * Answers at once; the run goes on in the background if this was its last open requirement.
   */
  decide: approverProcedure.input(Schema.standardSchemaV1(DecideInput)).mutation(({ ctx, input }) =>
    mapErrors(async () => {
      const decided = await ctx.countersign.approvals.decide(input.approvalId, input.answer, {
        principal: ctx.principal,
        expectedStatus: 'pending',
      })
      ctx.afterDecision(decided.runId, ctx.principal)
      return approvalView(decided)
    }),
  ),
})
