import type { IncomingMessage, ServerResponse } from 'node:http'
import { Option } from 'effect'
import { Approval, type Approvals, type Countersign, type JsonValue, type Principal } from '@countersign/core'
import { approverRoles, type Authenticate, isApprover, requestPrincipal } from './auth.js'
import { RoleRequired } from './errors.js'
import { runToPromise } from './internal/effects.js'
import type { RateLimiter } from './internal/rateLimiter.js'
import type { Resumer } from './internal/resume.js'
import { visibleRun } from './internal/runs.js'
import type { RunSlots } from './internal/runSlots.js'
import { readBody, sendError } from './rest.js'

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

/** A decision on one requirement of a paused run: its value is the kind's (an approval's: `ApprovalAnswer`). */
export interface MountDecision {
  readonly runId: string
  readonly requirementId: string
  readonly value: JsonValue
}

/** What every mount is called with besides the request: the deployment served. */
export interface DeploymentContext {
  readonly countersign: Countersign
  /**
   * Decides as `principal` what the API would let them decide: an approval as an approver or
   * admin (as `approvals.decide`: the approval's own rules, no self-approval), any other
   * requirement of their own run (as `runs.resolve`; someone else's run is RunNotFound). Then the
   * run goes on in the background once nothing is left open (see `resumeOnDecision`). Rejects
   * with the API's typed errors and records nothing.
   */
  readonly decide: (principal: Principal, decision: MountDecision) => Promise<void>
  /** The request's body as sent, up to the server's `maxBodySize` (beyond: PayloadTooLarge, 413). */
  readonly readBody: () => Promise<string>
}

/** What a signed-in mount is called with: who calls, and the deployment served. */
export interface MountContext extends DeploymentContext {
  readonly principal: Principal
  /** Counts `work` (a run started or continued) against the caller's concurrent runs, as `runs.start` does. */
  readonly holdRun: <A>(work: () => Promise<A>) => Promise<A>
}

const decider =
  (countersign: Countersign, resumer: Resumer): DeploymentContext['decide'] =>
  async (principal, { runId, requirementId, value }) => {
    const requirement = Option.getOrUndefined(
      await runToPromise(countersign.store.getRequirement(runId, requirementId)),
    )
    if (requirement?.kind === Approval.kind) {
      if (!isApprover(principal)) throw new RoleRequired({ principalId: principal.id, roles: approverRoles })
      await countersign.approvals.decide(requirementId, value as Approvals.ApprovalAnswer, {
        principal,
        expectedStatus: 'pending',
      })
    } else {
      await visibleRun(countersign, principal, runId)
      await countersign.resolve(runId, [{ requirementId, value }], { principal })
    }
    resumer.afterDecision(runId, principal)
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
    readonly maxBodySize: number
  },
): Promise<boolean> => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const mount = mounts.find((each) => path === each.path || path.startsWith(`${each.path}/`))
  if (mount === undefined) return false
  const deployment = {
    countersign: options.countersign,
    decide: decider(options.countersign, options.resumer),
    readBody: () => readBody(req, options.maxBodySize),
  }
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
