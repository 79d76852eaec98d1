import { Approvals } from '@countersign/core'
import { Schema } from 'effect'
import { mapErrors } from '../errors.js'
import { GrantFilterInput, RevokeGrantInput } from '../inputs.js'
import { approverProcedure, router } from '../trpc.js'
import { grantView } from '../views.js'

/**
 * Approvals given ahead of time, for approvers and admins: the calls of one tool in one session
 * need no approval while a grant covers them. Who may grant a tool is the tool's approval rule
 * (an approver it does not allow is NotAllowedToResolve).
 */
export const grantsRouter = router({
  list: approverProcedure
    .input(Schema.standardSchemaV1(GrantFilterInput))
    .query(({ ctx, input }) =>
      mapErrors(async () => (await ctx.countersign.grants.list(input)).map(grantView)),
    ),

  /** A grant given directly, not through an approval's decision. */
  create: approverProcedure
    .input(Schema.standardSchemaV1(Approvals.GrantRequest))
    .mutation(({ ctx, input }) =>
      mapErrors(async () =>
        grantView(await ctx.countersign.grants.create(input, { principal: ctx.principal })),
      ),
    ),

  /** Ends a grant; one already revoked or used up is GrantInactive (CONFLICT). */
  revoke: approverProcedure.input(Schema.standardSchemaV1(RevokeGrantInput)).mutation(({ ctx, input }) =>
    mapErrors(async () =>
      grantView(
        await ctx.countersign.grants.revoke(input.grantId, {
          principal: ctx.principal,
          ...(input.note === undefined ? {} : { note: input.note }),
        }),
      ),
    ),
  ),
})
