import { authedProcedure, router } from '../trpc.js'

export const definitionsRouter = router({
  /** The agents and teams served here. */
  list: authedProcedure.query(({ ctx }) =>
    [...ctx.countersign.served.values()].map(({ id, name, kind }) => ({ id, name, kind })),
  ),
})
