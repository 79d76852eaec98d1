import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Countersign, Principal } from '@countersign/core'
import { type Authenticate, requestPrincipal } from './auth.js'
import type { RateLimiter } from './internal/rateLimiter.js'
import type { Resumer } from './internal/resume.js'
import type { RunSlots } from './internal/runSlots.js'
import { sendError } from './rest.js'

/**
 * An HTTP handler served at a path of the server's port (an MCP endpoint, say), behind the same
 * authentication and request rate as the rest: it is called only for a signed-in caller, with
 * who that is. A mount whose callers cannot send a bearer token (Slack's interactivity requests,
 * signed with the app's secret instead) authenticates them itself: see `SelfAuthenticatingMount`.
 */
export type Mount = SignedInMount | SelfAuthenticatingMount

export interface SignedInMount {
  /** The path it answers, and every path below it: `/mcp`. */
  readonly path: string
  /** The server signs callers in with their bearer token (the default). */
  readonly authentication?: 'bearer'
  readonly handle: (req: IncomingMessage, res: ServerResponse, context: MountContext) => void | Promise<void>
}

/**
 * A mount that proves who calls itself (a verified request signature, say) and decides as whom
 * it acts. The server does not sign its callers in, but holds them to the request rate by their
 * remote address, before the handler reads anything.
 */
export interface SelfAuthenticatingMount {
  readonly path: string
  readonly authentication: 'self'
  readonly handle: (
    req: IncomingMessage,
    res: ServerResponse,
    context: DeploymentContext,
  ) => void | Promise<void>
}

/** What every mount is called with besides the request: the deployment served. */
export interface DeploymentContext {
  readonly countersign: Countersign
  /**
   * Call after deciding one of a paused run's requirements as `principal`: the run goes on in the
   * background once nothing is left open, as after a decision over the API (see `resumeOnDecision`).
   */
  readonly afterDecision: (runId: string, principal: Principal) => void
}

/** What a signed-in mount is called with: who calls, and the deployment served. */
export interface MountContext extends DeploymentContext {
  readonly principal: Principal
  /** Counts `work` (a run started or continued) against the caller's concurrent runs, as `runs.start` does. */
  readonly holdRun: <A>(work: () => Promise<A>) => Promise<A>
}

/**
 * Answers a request to a mount's path; false for any other path. The caller is checked (or, for a
 * self-authenticating mount, their address held to the rate) before the body is read.
 */
export const handleMount = async (
  req: IncomingMessage,
  res: ServerResponse,
  mounts: ReadonlyArray<Mount>,
  options: {
    readonly countersign: Countersign
    readonly authenticate: Authenticate
    /** Requests per principal. */
    readonly rate: RateLimiter
    /** Requests per remote address, to self-authenticating mounts. */
    readonly addressRate: RateLimiter
    readonly runs: RunSlots
    readonly resumer: Resumer
  },
): Promise<boolean> => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const mount = mounts.find((each) => path === each.path || path.startsWith(`${each.path}/`))
  if (mount === undefined) return false
  const deployment = { countersign: options.countersign, afterDecision: options.resumer.afterDecision }
  try {
    if (mount.authentication === 'self') {
      options.addressRate.take(req.socket.remoteAddress ?? 'unknown')
      await mount.handle(req, res, deployment)
    } else {
      const principal = await requestPrincipal(options.authenticate, req.headers.authorization)
      options.rate.take(principal.id)
      await mount.handle(req, res, {
        ...deployment,
        principal,
        holdRun: (work) => options.runs.hold(principal.id, work),
      })
    }
  } catch (error) {
    if (res.headersSent) res.end()
    else sendError(res, error)
  }
  return true
}
