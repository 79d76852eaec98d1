import { createClient, type CountersignClient } from '@countersign/client'
import { WebSocket } from 'ws'
import type { ExitCode } from '../ExitCode.js'
import { type Output, processOutput } from './Output.js'
import { UsageError } from './UsageError.js'

/** The options every command takes (flags, or their environment variables). */
export interface GlobalOptions {
  readonly url?: string
  readonly token?: string
  readonly json?: true
}

/** What a command works with: a client of the server, and where to write. */
export interface Context {
  readonly client: CountersignClient
  readonly output: Output
}

/** A command's work: what it does, and the exit code it ends with. */
export type Work = (context: Context) => Promise<ExitCode>

const connect = ({ url, token }: GlobalOptions): CountersignClient => {
  if (url === undefined || url === '')
    throw new UsageError('no server given: pass --url or set COUNTERSIGN_URL')
  if (!/^https?:\/\/[^/]/.test(url))
    throw new UsageError(`the server's URL must start with http:// or https://, not "${url}"`)
  if (token === undefined || token === '')
    throw new UsageError('no token given: pass --token or set COUNTERSIGN_TOKEN')
  // Node 20 has no global WebSocket: `ws`'s serves the run events.
  return createClient({ url, token, WebSocket })
}

/** Does a command's work with a client of the server, closed afterwards whatever happens. */
export const withContext = async (options: GlobalOptions, work: Work): Promise<ExitCode> => {
  const client = connect(options)
  try {
    return await work({ client, output: processOutput(options.json === true) })
  } finally {
    await client.close()
  }
}
