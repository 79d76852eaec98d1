import { createClient, type CountersignClient } from '@countersign/client'
import { WebSocket } from 'ws'
import type { ExitCode } from '../ExitCode.js'
import { type Output, processOutput } from './Output.js'
import { readProfiles, selectProfile } from './profiles.js'
import { UsageError } from './UsageError.js'

/** The options every command takes (flags, or their environment variables). */
export interface GlobalOptions {
  readonly url?: string
  readonly token?: string
  readonly profile?: string
  readonly json?: true
}

/** What a command works with: a client of the server, and where to write. */
export interface Context {
  readonly client: CountersignClient
  readonly output: Output
}

/** A command's work: what it does, and the exit code it ends with. */
export type Work = (context: Context) => Promise<ExitCode>

/**
 * The server and token a command uses: those given (flags, environment), else the profile's. A
 * profile's token goes only to its own server: a URL given with no token takes the profile's
 * token only when it is the profile's URL.
 */
export const credentials = async (options: GlobalOptions): Promise<GlobalOptions> => {
  const given = (value: string | undefined) => (value === '' ? undefined : value)
  const [url, token] = [given(options.url), given(options.token)]
  if (url !== undefined && token !== undefined) return { url, token }
  const profile = selectProfile(await readProfiles(), given(options.profile))
  if (profile === undefined)
    return { ...(url === undefined ? {} : { url }), ...(token === undefined ? {} : { token }) }
  if (url === undefined) return { url: profile.url, token: token ?? profile.token }
  return { url, ...(url === profile.url ? { token: profile.token } : {}) }
}

const connect = ({ url, token }: GlobalOptions): CountersignClient => {
  if (url === undefined || url === '')
    throw new UsageError('no server given: pass --url, set COUNTERSIGN_URL or countersign login')
  if (!/^https?:\/\/[^/]/.test(url))
    throw new UsageError(`the server's URL must start with http:// or https://, not "${url}"`)
  if (token === undefined || token === '')
    throw new UsageError('no token given: pass --token, set COUNTERSIGN_TOKEN or countersign login')
  // Node 20 has no global WebSocket: `ws`'s serves the run events.
  return createClient({ url, token, WebSocket })
}

/** Does a command's work with a client of the server, closed afterwards whatever happens. */
export const withContext = async (options: GlobalOptions, work: Work): Promise<ExitCode> => {
  const client = connect(await credentials(options))
  try {
    return await work({ client, output: processOutput(options.json === true) })
  } finally {
    await client.close()
  }
}
