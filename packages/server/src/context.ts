import type { IncomingMessage } from 'node:http'
import { type Countersign, Principal } from '@countersign/core'
import type { TRPCRequestInfo } from '@trpc/server/http'
import { type Authenticate, bearerToken } from './auth.js'
import type { Resumer } from './internal/resume.js'

/** What every procedure gets: the deployment it serves, and who is calling (null: nobody proved who). */
export interface Context {
  readonly countersign: Countersign
  readonly principal: Principal | null
  /** Continues a run in the background once a decision leaves it nothing open (see `resumeOnDecision`). */
  readonly afterDecision: Resumer['afterDecision']
  /** The largest request body accepted, in bytes: what a PayloadTooLarge over HTTP names. */
  readonly maxBodySize: number
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
  }: {
    readonly countersign: Countersign
    readonly authenticate: Authenticate
    readonly resumer: Resumer
    readonly maxBodySize: number
  }) =>
  async (opts: { readonly req: IncomingMessage; readonly info: TRPCRequestInfo }): Promise<Context> => {
    const fromParams = opts.info.connectionParams?.['token']
    const token = typeof fromParams === 'string' ? fromParams : bearerToken(opts.req.headers.authorization)
    return {
      countersign,
      principal: await principalOf(authenticate, token),
      afterDecision: resumer.afterDecision,
      maxBodySize,
    }
  }

/** The principal a token belongs to; null for no token or one `authenticate` does not know. */
export const principalOf = async (
  authenticate: Authenticate,
  token: string | undefined,
): Promise<Principal | null> => {
  const found = token === undefined || token === '' ? null : await authenticate(token)
  return found == null ? null : new Principal(found)
}
