/** The fixture server's users, by name; each signs in with the token `<name>-token`. */
export const tokens = {
  alice: { id: 'alice', roles: ['user'] },
  bob: { id: 'bob', roles: ['user'] },
  ann: { id: 'ann', roles: ['approver'] },
  /** A requester who is an approver too: separation of duties keeps her from approving her own calls. */
  grace: { id: 'grace', roles: ['user', 'approver'] },
  root: { id: 'root', roles: ['admin'] },
} as const

export type FixtureUser = keyof typeof tokens

export const tokenOf = (user: FixtureUser) => `${user}-token`
