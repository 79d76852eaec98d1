import { isApprover } from '../auth.js'
import { authedProcedure, router } from '../trpc.js'

export const sessionRouter = router({
  /**
   * Who the token names, and whether they see and decide the approval queue: a client learns
   * what to show without trying calls it may not make.
   */
  me: authedProcedure.query(({ ctx }) => ({
    id: ctx.principal.id,
    roles: [...ctx.principal.roles],
    approver: isApprover(ctx.principal),
  })),
})
