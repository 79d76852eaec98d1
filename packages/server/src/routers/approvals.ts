import { tracked } from '@trpc/server'
import { Schema } from 'effect'
import { mapErrors, toTRPCError } from '../errors.js'
import {
  ApprovalChangesInput,
  ApprovalFilterInput,
  ApprovalIdInput,
  ApprovalQueryInput,
  DecideInput,
} from '../inputs.js'
import { untilAborted } from '../internal/abortable.js'
import { approverProcedure, router } from '../trpc.js'
import { approvalChangeView, approvalPageView, approvalView } from '../views.js'

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
   * The queue's changes after the client's last one (or `afterSeq`: a page's `changeSeq`; by
   * default, from the queue's end now), stored then live, whichever server wrote them, each
   * tracked by its number: a client that reconnects resumes after the last change it received.
   */
  changes: approverProcedure
    .input(Schema.standardSchemaV1(ApprovalChangesInput))
    .subscription(async function* ({ ctx, input, signal }) {
      try {
        const afterSeq = input?.lastEventId ?? input?.afterSeq
        for await (const update of untilAborted(
          ctx.countersign.approvals.changes(afterSeq),
          signal,
          ctx.revoked,
        ))
          yield tracked(String(update.seq), approvalChangeView(update))
      } catch (error) {
        throw toTRPCError(error)
      }
    }),

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
