import { authedProcedure, router } from '../trpc.js'

export const sessionRouter = router({
  /** Who the token names: a client learns who it acts as without trying what it may do. */
  me: authedProcedure.query(({ ctx }) => ({ id: ctx.principal.id, roles: [...ctx.principal.roles] })),
})
