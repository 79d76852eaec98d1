import type { IncomingMessage } from 'node:http'
import { type Countersign, Principal } from '@countersign/core'
import type { TRPCRequestInfo } from '@trpc/server/http'
import { type Authenticate, bearerToken } from './auth.js'

/** What every procedure gets: the deployment it serves, and who is calling (null: nobody proved who). */
export interface Context {
  readonly countersign: Countersign
  readonly principal: Principal | null
}

/**
 * One context factory for both transports: HTTP sends the token as a bearer header, WebSocket
 * in its connection params (browsers cannot set headers on a WebSocket).
 */
export const makeCreateContext =
  (countersign: Countersign, authenticate: Authenticate) =>
  async (opts: { readonly req: IncomingMessage; readonly info: TRPCRequestInfo }): Promise<Context> => {
    const fromParams = opts.info.connectionParams?.['token']
    const token = typeof fromParams === 'string' ? fromParams : bearerToken(opts.req.headers.authorization)
    return { countersign, principal: await principalOf(authenticate, token) }
  }

/** The principal a token belongs to; null for no token or one `authenticate` does not know. */
export const principalOf = async (
  authenticate: Authenticate,
  token: string | undefined,
): Promise<Principal | null> => {
  const found = token === undefined || token === '' ? null : await authenticate(token)
  return found == null ? null : new Principal(found)
}
