/** The one user of the benchmark's server, and the token it signs in with. */
export const benchUser = { id: 'bench', roles: ['user'] }

export const benchToken = 'bench-token'
