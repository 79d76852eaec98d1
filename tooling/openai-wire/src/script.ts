/**
 * What a test scripts the wire server to answer, and what the server records of each request. The server
 * answers each request to `POST /v1/chat/completions` or `POST /v1/responses` with the next scripted
 * reply, in order, rendered in the format that request asked for (Chat Completions or Responses, streamed
 * or not).
 */

/** Token counts of a turn, rendered as the API's `usage` object. */
export interface UsageScript {
  readonly inputTokens: number
  readonly outputTokens: number
  readonly cachedInputTokens?: number
  readonly reasoningTokens?: number
}

/** One function call of a turn. */
export interface ToolCallScript {
  /**
   * The provider's call id (`tool_calls[].id` / `call_id`). Left out, the server makes one up
   * (`call_<request>_<n>`); `null` sends none (a Chat Completions server that omits it).
   */
  readonly id?: string | null
  readonly name: string
  /** The arguments as JSON text: one string, or the fragments it is streamed in. */
  readonly arguments: string | ReadonlyArray<string>
}

/** A model turn: text, tool calls, usage, and how its stream goes wrong (if it does). */
export interface TurnReply {
  readonly type: 'turn'
  /** The assistant's text: one string, or the deltas it is streamed in. */
  readonly text?: string | ReadonlyArray<string>
  readonly toolCalls?: ReadonlyArray<ToolCallScript>
  /**
   * Sent with the turn when given: Responses always, Chat Completions when not streamed or when the
   * request asked for it (`stream_options.include_usage`), as the API does.
   */
  readonly usage?: UsageScript
  /** Chat Completions `finish_reason`; by default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: string
  /** Waits this long before sending the response headers (for client timeouts). */
  readonly delayMs?: number
  /** Streams only: destroys the connection after this many events, the stream unfinished. */
  readonly cutAfter?: number
  /** Streams only: after this many events sends nothing more and holds the connection until the client closes it. */
  readonly holdAfter?: number
  /** Streams only: after this many events sends one `data:` line that is not JSON, then ends the stream. */
  readonly malformedAfter?: number
  /**
   * Streams only: instead of finishing, the turn fails in the stream after its content: Responses send
   * `response.failed` with this as `response.error`; Chat Completions a `data: {"error": …}` event.
   */
  readonly streamError?: { readonly code: string; readonly message: string }
}

/** An HTTP error with OpenAI's error body: `{ "error": { message, type, code, param } }`. */
export interface ErrorReply {
  readonly type: 'error'
  readonly status: number
  readonly error: {
    readonly message: string
    readonly type?: string
    readonly code?: string | null
    readonly param?: string | null
  }
  /** Extra response headers, e.g. `retry-after-ms` to keep the SDK's retries quick. */
  readonly headers?: Readonly<Record<string, string>>
  readonly delayMs?: number
}

/** Bytes as given, for what the other replies cannot say (an odd server's quirks). */
export interface RawReply {
  readonly type: 'raw'
  readonly status?: number
  /** Defaults to `content-type: text/event-stream`. */
  readonly headers?: Readonly<Record<string, string>>
  /** The body: one string, or chunks written one by one. */
  readonly body: string | ReadonlyArray<string>
}

export type Reply = TurnReply | ErrorReply | RawReply

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  /** 0, 1, 2, … in arrival order (control requests are not recorded). */
  readonly index: number
  readonly method: string
  /** The path with its query string, e.g. `/v1/chat/completions?api-version=1`. */
  readonly path: string
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body parsed as JSON, or the text when it is not JSON (`undefined` when empty). */
  readonly body: unknown
  /** Which reply it got: a scripted one's `type`, or `unscripted` when none was left (a 400 error). */
  readonly reply: Reply['type'] | 'unscripted'
  /** True once the connection has ended, whoever ended it. */
  readonly closed: boolean
  /** True when the client closed the connection before the reply was complete (an aborted request). */
  readonly closedByClient: boolean
}

/** An `ErrorReply` with OpenAI's error body; `retry-after-ms: 1` keeps the SDK's retries fast. */
export const apiError = (
  status: number,
  error: { readonly message: string; readonly type?: string; readonly code?: string | null },
  headers: Readonly<Record<string, string>> = { 'retry-after-ms': '1' },
): ErrorReply => ({ type: 'error', status, error, headers })

/** A `TurnReply`. */
export const turn = (content: Omit<TurnReply, 'type'>): TurnReply => ({ type: 'turn', ...content })
