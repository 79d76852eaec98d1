/** What went wrong with a request or its stream, as a typed `ModelError` saying whether to ask again. */
import { ModelError } from '@countersign/core'
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai'

/** Error codes that asking again will not fix, whatever the status (a 429 for an exhausted quota). */
const permanentCodes = new Set([
  'insufficient_quota',
  'invalid_api_key',
  'invalid_request_error',
  'invalid_prompt',
  'context_length_exceeded',
  'model_not_found',
])

/** Statuses the SDK itself retries: a timeout, a lock, rate limits, the server's faults. */
const transientStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500

const codeOf = (error: { readonly code?: unknown; readonly type?: unknown }): string | undefined => {
  const code = error.code ?? error.type
  return typeof code === 'string' && code !== '' ? code : undefined
}

/** Any failure of a request or its stream (after the SDK's own retries), as a `ModelError`. */
export const toModelError = (model: string, cause: unknown): ModelError => {
  if (cause instanceof ModelError) return cause
  if (cause instanceof APIConnectionTimeoutError) {
    return new ModelError({ model, reason: 'the request timed out', code: 'timeout', retryable: true })
  }
  if (cause instanceof APIConnectionError) {
    return new ModelError({
      model,
      reason: `could not reach the server: ${cause.message}`,
      code: 'connection_error',
      retryable: true,
    })
  }
  if (cause instanceof APIError) {
    const code = codeOf(cause)
    const permanent = code !== undefined && permanentCodes.has(code)
    // No status: the server sent an error inside the stream, after a 200.
    const status = typeof cause.status === 'number' ? cause.status : undefined
    return new ModelError({
      model,
      reason: cause.message,
      ...(status === undefined ? {} : { status }),
      ...(code === undefined ? {} : { code }),
      retryable: !permanent && (status === undefined || transientStatus(status)),
    })
  }
  if (cause instanceof SyntaxError) {
    return new ModelError({
      model,
      reason: `the stream sent data that is not JSON (${cause.message})`,
      code: 'malformed_stream',
      retryable: true,
    })
  }
  // Reading the body failed: the connection dropped mid-stream (undici says "terminated").
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new ModelError({
    model,
    reason: `the stream broke off: ${reason}`,
    code: 'stream_dropped',
    retryable: true,
  })
}

/** The stream ended cleanly but before the API said the turn was over. */
export const endedEarly = (model: string): ModelError =>
  new ModelError({
    model,
    reason: 'the stream ended before the turn was complete',
    code: 'stream_dropped',
    retryable: true,
  })

/** An error the API reported in the stream's own events (`error`, `response.failed`). */
export const streamError = (
  model: string,
  error: { readonly code?: string | null; readonly message?: string } | null | undefined,
): ModelError => {
  const code = error?.code ?? undefined
  return new ModelError({
    model,
    reason: error?.message ?? 'the response failed',
    ...(code ? { code } : {}),
    retryable: !(code && permanentCodes.has(code)),
  })
}
