import { createClient, type CountersignClient, errorOf } from '@countersign/client'
import { type Connection, makeConnection } from './connection.js'

/** What the signed-in principal may do here: approvers (and admins) also see the approval queue and its history. */
export type Role = 'approver' | 'user'

export interface Session {
  readonly client: CountersignClient
  readonly connection: Connection
  /** Who is signed in, as the server names them. */
  readonly principalId: string
  readonly role: Role
  /** An admin sees and works every run. */
  readonly admin: boolean
}

/** The token is kept for the tab only: closing it signs out. */
const tokenKey = 'countersign.token'

export const storedToken = () => sessionStorage.getItem(tokenKey)

/** The token was refused by the server: the person must sign in again. */
export class TokenRefused extends Error {
  readonly _tag = 'TokenRefused'
  constructor() {
    super('The server does not recognise this token.')
  }
}

/**
 * Signs in with a token: the server must know it (TokenRefused otherwise) and says who it names
 * and whether they decide approvals. Keeps the token for the tab.
 */
export const signIn = async (token: string): Promise<Session> => {
  const connection = makeConnection()
  const client = createClient({
    // The panel is served by the server it talks to.
    url: window.location.origin,
    token,
    // A person watches the banner while it reconnects: try at least every 5 s, not the client's 30.
    retryDelayMs: (attempt) => Math.min(500 * 2 ** attempt, 5_000),
    onOpen: connection.opened,
    onClose: connection.closed,
  })
  try {
    const me = await whoAmI(client)
    sessionStorage.setItem(tokenKey, token)
    return {
      client,
      connection,
      principalId: me.id,
      role: me.approver ? 'approver' : 'user',
      admin: me.roles.includes('admin'),
    }
  } catch (error) {
    await client.close()
    if (error instanceof TokenRefused) sessionStorage.removeItem(tokenKey)
    throw error
  }
}

const whoAmI = async (client: CountersignClient) => {
  try {
    return await client.session.me()
  } catch (error) {
    if (errorOf(error)?._tag === 'Unauthenticated') throw new TokenRefused()
    throw error
  }
}

export const signOut = async (session: Session) => {
  sessionStorage.removeItem(tokenKey)
  await session.client.close()
}
