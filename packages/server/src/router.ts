import { approvalsRouter } from './routers/approvals.js'
import { definitionsRouter } from './routers/definitions.js'
import { grantsRouter } from './routers/grants.js'
import { runsRouter } from './routers/runs.js'
import { sessionRouter } from './routers/session.js'
import { router } from './trpc.js'

export const appRouter = router({
  definitions: definitionsRouter,
  runs: runsRouter,
  approvals: approvalsRouter,
  grants: grantsRouter,
  session: sessionRouter,
})

/** The router's type, for typed clients: import it with `import type`, never as a value. */
export type AppRouter = typeof appRouter
