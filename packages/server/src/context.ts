import type { IncomingMessage } from 'node:http'
import type { Countersign, Principal } from '@countersign/core'
import type { TRPCRequestInfo } from '@trpc/server/http'
import { WebSocket } from 'ws'
import { type Authenticate, bearerToken, principalOf } from './auth.js'
import type { Limits } from './internal/limits.js'
import type { RateLimiter } from './internal/rateLimiter.js'
import type { Resumer } from './internal/resume.js'
import type { RunSlots } from './internal/runSlots.js'
import { Session } from './internal/session.js'

/** The server's limits and the state they keep across requests. */
export interface Guards {
  readonly limits: Limits
  readonly rate: RateLimiter
  readonly runs: RunSlots
}

/** What every procedure gets: the deployment it serves, and who is calling (null: nobody proved who). */
export interface Context {
  readonly countersign: Countersign
  /** Who the token named when the request (HTTP) or connection (WebSocket) arrived; `authedProcedure` asks again. */
  readonly principal: Principal | null
  /** The token's principal as it stands, asked again of `authenticate` (see `Session`). */
  readonly session: Session
  /** How the call came: over HTTP (a request of its own) or a WebSocket connection. */
  readonly transport: 'http' | 'socket'
  /** Subscriptions open on this connection (one HTTP request holds at most one). */
  readonly subscriptions: { open: number }
  readonly guards: Guards
  /** Continues a run in the background once a decision leaves it nothing open (see `resumeOnDecision`). */
  readonly afterDecision: Resumer['afterDecision']
  /** The largest request body accepted, in bytes: what a PayloadTooLarge over HTTP names. */
  readonly maxBodySize: number
}

/** WebSocket close code for a connection whose token names nobody (4000–4999: the application's own). */
export const unauthenticatedCloseCode = 4401

/**
 * A WebSocket connection's session: checked every `reauthenticateMs` while the connection is
 * open, and closed once its token names nobody, right after the requests being answered.
 */
const socketSession = (
  socket: WebSocket,
  authenticate: Authenticate,
  token: string | undefined,
  principal: Principal | null,
  reauthenticateMs: number,
) => {
  const close = () => setImmediate(() => socket.close(unauthenticatedCloseCode, 'authentication required'))
  const session = new Session(authenticate, token, principal, {
    checkEachOperation: true,
    onUnauthenticated: close,
  })
  socket.once('close', session.watch(reauthenticateMs))
  return session
}

/**
 * One context factory for both transports: HTTP sends the token as a bearer header, WebSocket
 * in its connection params (browsers cannot set headers on a WebSocket).
 */
export const makeCreateContext =
  ({
    countersign,
    authenticate,
    resumer,
    maxBodySize,
    guards,
  }: {
    readonly countersign: Countersign
    readonly authenticate: Authenticate
    readonly resumer: Resumer
    readonly maxBodySize: number
    readonly guards: Guards
  }) =>
  async (opts: {
    readonly req: IncomingMessage
    readonly res?: unknown
    readonly info: TRPCRequestInfo
  }): Promise<Context> => {
    const fromParams = opts.info.connectionParams?.['token']
    const token = typeof fromParams === 'string' ? fromParams : bearerToken(opts.req.headers.authorization)
    const principal = await principalOf(authenticate, token)
    const transport = opts.res instanceof WebSocket ? 'socket' : 'http'
    const session =
      opts.res instanceof WebSocket
        ? socketSession(opts.res, authenticate, token, principal, guards.limits.reauthenticateMs)
        : new Session(authenticate, token, principal, {
            checkEachOperation: false,
            onUnauthenticated: () => undefined,
          })
    return {
      countersign,
      principal,
      session,
      transport,
      subscriptions: { open: 0 },
      guards,
      afterDecision: resumer.afterDecision,
      maxBodySize,
    }
  }
