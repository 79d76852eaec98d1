/**
 * OpenAI models for Countersign, on the official `openai` SDK: the Responses API or Chat Completions, both
 * streamed, and any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter, …) through `baseURL`
 * with `api: 'chat'`.
 */
import { Model } from '@countersign/core'
import OpenAI from 'openai'
import { chatChunks, chatParams } from './internal/chat.js'
import { toModelError } from './internal/errors.js'
import { idleTimeout } from './internal/idleTimeout.js'
import { responsesChunks, responsesParams } from './internal/responses.js'
import type { Settings } from './internal/settings.js'

export interface Options extends Settings {
  /** The model's name, e.g. `gpt-4.1-mini` (also the `Model.id`). */
  readonly model: string
  /** `responses` (the default) or `chat` (Chat Completions: what OpenAI-compatible servers speak). */
  readonly api?: 'responses' | 'chat'
  /** A client the app already has; else one is made from `apiKey`, `baseURL` and the environment. */
  readonly client?: OpenAI
  /** Defaults to `OPENAI_API_KEY`. */
  readonly apiKey?: string
  /** Defaults to `OPENAI_BASE_URL`, else OpenAI's API; e.g. `http://localhost:11434/v1` for Ollama. */
  readonly baseURL?: string
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>
  /** Extra query parameters sent with every request. */
  readonly query?: Readonly<Record<string, string>>
  /**
   * Milliseconds to wait for the response to start (the SDK's `timeout`), and then between two events of its
   * stream. Defaults to the client's (the SDK's default is 10 minutes).
   */
  readonly timeout?: number
  /** Retries of 408, 409, 429, 5xx and connection failures, with backoff, by the SDK (its default is 2). */
  readonly maxRetries?: number
}

const requestOptions = (options: Options, signal: AbortSignal) => ({
  signal,
  ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
  ...(options.query === undefined ? {} : { query: { ...options.query } }),
  ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
})

const clientOf = (options: Options): OpenAI =>
  options.client ??
  new OpenAI({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
  })

/**
 * A core `Model` that streams from OpenAI. Text arrives as it is generated; tool calls arrive whole, with
 * the provider's call ids; usage is reported with each turn. Failures are `ModelError`s saying whether to
 * ask again (`retryable`); interrupting the run aborts the request in flight.
 */
export const make = (options: Options): Model.Model => {
  const client = clientOf(options)
  const id = options.model
  const silence = options.timeout ?? client.timeout
  return Model.fromAsyncIterable(id, async function* (request, signal) {
    try {
      if (options.api === 'chat') {
        const stream = await client.chat.completions.create(
          chatParams(request, options),
          requestOptions(options, signal),
        )
        yield* chatChunks(id, request, idleTimeout(id, stream, silence), signal)
      } else {
        const stream = await client.responses.create(
          responsesParams(request, options),
          requestOptions(options, signal),
        )
        yield* responsesChunks(id, request, idleTimeout(id, stream, silence), signal)
      }
    } catch (cause) {
      throw toModelError(id, cause)
    }
  })
}
