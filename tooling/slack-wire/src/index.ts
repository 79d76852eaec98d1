/**
 * @countersign/slack-wire — a local server that speaks Slack's Web API and posts interactions the
 * way Slack does, for tests of Slack integrations.
 *
 * `startSlackWire()` starts it in a child process (plain `node:http`, see `server.ts`) on a
 * loopback port and returns a handle: point a `WebClient` at `apiUrl`, let the code under test
 * post, then `click` a button of a posted message or `submit` an opened modal as one of the
 * workspace's users — the wire POSTs the signed `block_actions` / `view_submission` payload to the
 * receiver's URL and answers what it responded.
 *
 *     const wire = await startSlackWire({ users: [{ id: 'U0ALICE', name: 'alice' }] })
 *     const client = new WebClient(wire.token, { slackApiUrl: wire.apiUrl })
 *     …
 *     const [message] = await wire.waitForMessages(1)
 *     await wire.click({ url, user: 'U0ALICE', channel: message.channel, ts: message.ts, actionId: 'approve' })
 *     await wire.close()
 */
import { fileURLToPath } from 'node:url'
import { startWireProcess } from '@countersign/wire-kit'
import type {
  Fault,
  RecordedCall,
  SentInteraction,
  StoredMessage,
  StoredView,
  Tampering,
  WireConfig,
  WireUser,
} from './records.js'

export type * from './records.js'
export { signature } from './internal/interactions.js'

export interface SlackWire {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `http://127.0.0.1:<port>/api/`: a `WebClient`'s `slackApiUrl`. */
  readonly apiUrl: string
  /** The bot token the wire accepts. */
  readonly token: string
  /** The signing secret it signs interactions with. */
  readonly signingSecret: string
  readonly config: WireConfig
  /** Every Web API call received so far, in order. */
  readonly calls: () => Promise<ReadonlyArray<RecordedCall>>
  /** Resolves once at least `count` Web API calls have arrived, with all of them. */
  readonly waitForCalls: (count: number) => Promise<ReadonlyArray<RecordedCall>>
  /** The bot's messages as they stand. */
  readonly messages: () => Promise<ReadonlyArray<StoredMessage>>
  /** Resolves once at least `count` messages have been posted, with all of them. */
  readonly waitForMessages: (count: number) => Promise<ReadonlyArray<StoredMessage>>
  /** Resolves once a message (its text or blocks) contains `text`, with it. */
  readonly waitForMessage: (containing: string) => Promise<StoredMessage>
  /** Resolves once the message `ts` has been updated at least `count` times, with it. */
  readonly waitForUpdate: (ts: string, count: number) => Promise<StoredMessage>
  /** The modals opened, in order. */
  readonly views: () => Promise<ReadonlyArray<StoredView>>
  /** Resolves once at least `count` modals have been opened, with all of them. */
  readonly waitForViews: (count: number) => Promise<ReadonlyArray<StoredView>>
  /** The next call of each method named fails as given (`{ ok: false, error }`, or HTTP 429 with `Retry-After`). */
  readonly fail: (...faults: ReadonlyArray<Fault>) => Promise<void>
  /** `user` clicks the button `actionId` of a message: its `block_actions` payload is posted, signed, to `url`. */
  readonly click: (click: {
    readonly url: string
    readonly user: string
    readonly channel: string
    readonly ts: string
    readonly actionId: string
    readonly tampering?: Tampering
  }) => Promise<SentInteraction>
  /** `user` submits an open modal with these inputs by block id (a select's option value; null: left empty). */
  readonly submit: (submission: {
    readonly url: string
    readonly user: string
    readonly viewId: string
    readonly values: Readonly<Record<string, string | null>>
    readonly tampering?: Tampering
  }) => Promise<SentInteraction>
  /** Posts any payload, signed (or tampered with) as Slack would: for payloads Slack would not send. */
  readonly post: (
    url: string,
    payload: Record<string, unknown>,
    tampering?: Tampering,
  ) => Promise<SentInteraction>
  /** Sends again the exact bytes and headers of an interaction sent earlier: a captured request replayed. */
  readonly replay: (index: number) => Promise<SentInteraction>
  /** Forgets calls, messages, views, faults and interactions. */
  readonly reset: () => Promise<void>
  /** Stops the server process; idempotent. */
  readonly close: () => Promise<void>
}

export interface SlackWireOptions {
  readonly token?: string
  readonly signingSecret?: string
  /** Channel ids the bot may post to (default `['C0APPROVALS']`). */
  readonly channels?: ReadonlyArray<string>
  /** The workspace's people, who can click and submit (default none). */
  readonly users?: ReadonlyArray<WireUser>
}

const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const serverEntry = fileURLToPath(new URL(`./server${extension}`, import.meta.url))

/** Starts the wire server in a child process; resolves once it listens. */
export const startSlackWire = async (options: SlackWireOptions = {}): Promise<SlackWire> => {
  const config: WireConfig = {
    token: options.token ?? 'xoxb-wire-token',
    signingSecret: options.signingSecret ?? 'wire-signing-secret',
    teamId: 'T0WIRE',
    appId: 'A0COUNTERSIGN',
    channels: options.channels ?? ['C0APPROVALS'],
    users: options.users ?? [],
  }
  const { url, control, close } = await startWireProcess(serverEntry, [JSON.stringify(config)], 'slack-wire')

  return {
    url,
    apiUrl: `${url}/api/`,
    token: config.token,
    signingSecret: config.signingSecret,
    config,
    calls: () => control('calls'),
    waitForCalls: (count) => control(`wait/calls/${count}`),
    messages: () => control('messages'),
    waitForMessages: (count) => control(`wait/messages/${count}`),
    waitForMessage: (containing) => control(`wait/message-containing/${encodeURIComponent(containing)}`),
    waitForUpdate: (ts, count) => control(`wait/updates/${ts}/${count}`),
    views: () => control('views'),
    waitForViews: (count) => control(`wait/views/${count}`),
    fail: async (...faults) => void (await control('faults', { faults })),
    click: (click) => control('click', click),
    submit: (submission) => control('submit', submission),
    post: (target, payload, tampering) => control('post', { url: target, payload, tampering }),
    replay: (index) => control('replay', { index }),
    reset: async () => void (await control('reset', {})),
    close,
  }
}
