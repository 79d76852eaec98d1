import { errorOf } from '@countersign/client'

/**
 * What went wrong, for a person: the server's typed error (its message, and its tag for those who
 * need to look it up), else a failure to reach the server.
 */
export const describeError = (error: unknown): string => {
  const data = errorOf(error)
  if (data !== undefined) return `${data.message} (${data._tag})`
  if (error instanceof TypeError || (error instanceof Error && /fetch|network/i.test(error.message)))
    return 'The server cannot be reached. Check the connection and try again.'
  return error instanceof Error ? error.message : String(error)
}
