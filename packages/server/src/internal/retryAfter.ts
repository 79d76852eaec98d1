import { TooManyRequests } from '../errors.js'

/** The `Retry-After` header for a response whose calls were refused TooManyRequests: the longest wait asked. */
export const retryAfterOf = (causes: ReadonlyArray<unknown>): { headers?: Record<string, string> } => {
  const waits = causes.flatMap((cause) => (cause instanceof TooManyRequests ? [cause.retryAfter] : []))
  return waits.length === 0 ? {} : { headers: { 'retry-after': String(Math.max(...waits)) } }
}
