import { APICallError, JSONParseError, TypeValidationError } from '@ai-sdk/provider'
import { ModelError } from '@countersign/core'
import { parseJson } from './json.js'

/**
 * A fault as a `ModelError`. A refused request keeps its HTTP status and the provider's error code,
 * and is retryable on 429, 5xx and whatever the provider itself calls retryable (408, 409, no
 * connection). An `error` part inside a stream carries the provider's error object (OpenAI's
 * `{ message, type, code }`, Anthropic's `{ type, message }`) or a chunk it could not read.
 */
export const toModelError = (model: string, cause: unknown): ModelError => {
  if (cause instanceof ModelError) return cause
  if (APICallError.isInstance(cause)) return refused(model, cause)
  if (JSONParseError.isInstance(cause) || TypeValidationError.isInstance(cause))
    return new ModelError({
      model,
      reason: 'the provider streamed a chunk that could not be read',
      code: 'malformed_stream',
      retryable: true,
    })
  const code = errorCode(cause)
  return new ModelError({
    model,
    reason: messageOf(cause),
    ...(code === undefined ? {} : { code }),
    retryable: code !== undefined && transientCodes.test(code),
  })
}

const refused = (model: string, cause: APICallError): ModelError => {
  const status = cause.statusCode
  // The request was answered, and the answer broke off while it was being read.
  if (status !== undefined && status < 300) return droppedStream(model)
  const code = errorCode(parseJson(cause.responseBody))
  return new ModelError({
    model,
    reason: status === undefined ? cause.message : `HTTP ${status}: ${cause.message}`,
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    retryable: cause.isRetryable || status === 429 || (status !== undefined && status >= 500),
  })
}

/** The connection broke while the answer streamed (a reset, a closed socket): asking again may work. */
export const droppedStream = (model: string): ModelError =>
  new ModelError({
    model,
    reason: 'the stream was cut before the turn ended',
    code: 'stream_dropped',
    retryable: true,
  })

export const timedOut = (model: string, timeoutMs: number): ModelError =>
  new ModelError({
    model,
    reason: `no complete answer within ${timeoutMs} ms`,
    code: 'timeout',
    retryable: true,
  })

/** Error codes that name a passing state of the provider rather than a fault of the request. */
const transientCodes = /rate_limit|overloaded|server_error|unavailable|timeout|internal_error/i

const errorCode = (body: unknown): string | undefined => {
  const error = field(body, 'error') ?? body
  const code = field(error, 'code') ?? field(error, 'type')
  return typeof code === 'string' && code !== '' ? code : undefined
}

const messageOf = (error: unknown): string => {
  const message = field(field(error, 'error') ?? error, 'message')
  if (typeof message === 'string' && message !== '') return message
  return typeof error === 'string' && error !== '' ? error : 'the provider reported an error'
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
