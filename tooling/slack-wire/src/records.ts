/**
 * What the wire server keeps and answers with: the Web API calls it received, the messages and
 * views as they stand, and the interactions it posted. Plain JSON, shared by the process and its
 * handle.
 */

/** One Web API call as received: the method, its arguments (JSON-encoded values decoded), the token. */
export interface RecordedCall {
  readonly index: number
  readonly method: string
  readonly args: Readonly<Record<string, unknown>>
  /** The bearer token of the `Authorization` header, else the `token` argument; undefined when neither came. */
  readonly token: string | undefined
  readonly contentType: string | undefined
  /** The `error` of the answer when it was `ok: false` (or `rate_limited` for a 429). */
  readonly error: string | undefined
}

/** A message the bot posted, as it stands after its updates. */
export interface StoredMessage {
  readonly channel: string
  readonly ts: string
  readonly text: string
  readonly blocks: ReadonlyArray<Block>
  /** How many times `chat.update` changed it. */
  readonly updates: number
}

/** A modal opened with `views.open`, as Slack holds it. */
export interface StoredView {
  readonly id: string
  readonly view: Readonly<Record<string, unknown>>
  /** Who it was opened for (the user of the trigger). */
  readonly user: string
}

export type Block = Readonly<Record<string, unknown>>

/** A Slack user of the wire's workspace. */
export interface WireUser {
  readonly id: string
  readonly name: string
}

/** How the next call of a method fails, instead of being answered. */
export type Fault =
  | { readonly method: string; readonly error: string }
  | { readonly method: string; readonly rateLimitedFor: number }

/** How a posted interaction departs from what Slack sends: for requests a receiver must refuse. */
export interface Tampering {
  /** `forged`: signed with another secret; `missing`: no signature header. */
  readonly signature?: 'forged' | 'missing'
  /** Seconds added to the signed timestamp: -360 is a request signed six minutes ago (a replay). */
  readonly timestampOffsetSeconds?: number
  /** No `X-Slack-Request-Timestamp` header. */
  readonly withoutTimestamp?: boolean
}

/** What the receiver of an interaction answered. */
export interface InteractionResponse {
  readonly status: number
  readonly body: string
  /** The body as JSON, when it was. */
  readonly json: unknown
}

/** What the wire sent to a receiver: its exact bytes and headers, for a replay. */
export interface SentInteraction {
  readonly index: number
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly response: InteractionResponse
}

export interface WireConfig {
  /** The bot token calls must carry (`xoxb-…`). */
  readonly token: string
  /** The app's signing secret interactions are signed with. */
  readonly signingSecret: string
  readonly teamId: string
  readonly appId: string
  /** Channel ids the bot may post to; direct messages opened with `conversations.open` besides. */
  readonly channels: ReadonlyArray<string>
  readonly users: ReadonlyArray<WireUser>
}
