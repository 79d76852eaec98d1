import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Countersign, Principal } from '@countersign/core'
import { type Authenticate, requestPrincipal } from './auth.js'
import type { RateLimiter } from './internal/rateLimiter.js'
import type { RunSlots } from './internal/runSlots.js'
import { sendError } from './rest.js'

/**
 * An HTTP handler served at a path of the server's port (an MCP endpoint, say), behind the same
 * authentication and request rate as the rest: it is called only for a signed-in caller, with
 * who that is.
 */
export interface Mount {
  /** The path it answers, and every path below it: `/mcp`. */
  readonly path: string
  readonly handle: (req: IncomingMessage, res: ServerResponse, context: MountContext) => void | Promise<void>
}

/** What a mount is called with besides the request: who calls, and the deployment served. */
export interface MountContext {
  readonly principal: Principal
  readonly countersign: Countersign
  /** Counts `work` (a run started or continued) against the caller's concurrent runs, as `runs.start` does. */
  readonly holdRun: <A>(work: () => Promise<A>) => Promise<A>
}

/** Answers a request to a mount's path; false for any other path. The caller is checked before the body is read. */
export const handleMount = async (
  req: IncomingMessage,
  res: ServerResponse,
  mounts: ReadonlyArray<Mount>,
  options: {
    readonly countersign: Countersign
    readonly authenticate: Authenticate
    readonly rate: RateLimiter
    readonly runs: RunSlots
  },
): Promise<boolean> => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const mount = mounts.find((each) => path === each.path || path.startsWith(`${each.path}/`))
  if (mount === undefined) return false
  try {
    const principal = await requestPrincipal(options.authenticate, req.headers.authorization)
    options.rate.take(principal.id)
    await mount.handle(req, res, {
      principal,
      countersign: options.countersign,
      holdRun: (work) => options.runs.hold(principal.id, work),
    })
  } catch (error) {
    if (res.headersSent) res.end()
    else sendError(res, error)
  }
  return true
}
