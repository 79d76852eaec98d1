import { Principal } from '@countersign/core'
import { Unauthenticated } from './errors.js'

/** Who a token belongs to, as the host application knows it. */
export type PrincipalInput = typeof Principal.Encoded

/**
 * Turns a bearer token into the principal acting with it; `null` (or undefined) when the token is
 * unknown. The server calls it for every HTTP request and every WebSocket operation, and again
 * every `reauthenticateMs` while a WebSocket connection or a subscription is open.
 */
export type Authenticate = (
  token: string,
) => PrincipalInput | null | undefined | Promise<PrincipalInput | null | undefined>

/**
 * A development default: a fixed table of tokens. Compared as whole strings; for production,
 * provide an `authenticate` that checks real credentials.
 */
export const staticTokens =
  (tokens: Readonly<Record<string, PrincipalInput>>): Authenticate =>
  (token) =>
    Object.hasOwn(tokens, token) ? tokens[token] : null

/** The token of an `Authorization: Bearer …` header, if there is one. */
export const bearerToken = (header: string | undefined): string | undefined => {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/** The principal a token belongs to; null for no token or one `authenticate` does not know. */
export const principalOf = async (
  authenticate: Authenticate,
  token: string | undefined,
): Promise<Principal | null> => {
  const found = token === undefined || token === '' ? null : await authenticate(token)
  return found == null ? null : new Principal(found)
}

/**
 * The principal of a request's `Authorization: Bearer` token; `Unauthenticated` when there is
 * none, saying whether a token was sent (and refused) or not.
 */
export const requestPrincipal = async (
  authenticate: Authenticate,
  authorization: string | undefined,
): Promise<Principal> => {
  const token = bearerToken(authorization)
  const principal = await principalOf(authenticate, token)
  if (principal === null) throw new Unauthenticated({ tokenGiven: token !== undefined && token !== '' })
  return principal
}

/** Roles that see and decide the approval queue. */
export const approverRoles: ReadonlyArray<string> = ['approver', 'admin']

export const isAdmin = (principal: Principal) => principal.roles.includes('admin')

export const isApprover = (principal: Principal) =>
  principal.roles.some((role) => approverRoles.includes(role))
