import type { Block, Fault, RecordedCall, StoredMessage, StoredView, WireConfig } from '../records.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** An answer of a Web API method: HTTP 200 with `ok`, or a 429 with `Retry-After`. */
export type ApiAnswer =
  | { readonly status: 200; readonly body: Readonly<Record<string, unknown>> }
  | { readonly status: 429; readonly retryAfter: number }

/** The workspace as the wire holds it: what the bot posted and opened, and what it was asked. */
export interface Workspace {
  readonly config: WireConfig
  readonly calls: Array<RecordedCall>
  readonly messages: Array<Mutable<StoredMessage>>
  readonly views: Array<StoredView>
  readonly faults: Array<Fault>
  /** Trigger ids handed out with interactions, each good for one `views.open`, with the user it is for. */
  readonly triggers: Map<string, string>
  readonly directChannels: Map<string, string>
  counter: number
}

export const makeWorkspace = (config: WireConfig): Workspace => ({
  config,
  calls: [],
  messages: [],
  views: [],
  faults: [],
  triggers: new Map(),
  directChannels: new Map(),
  counter: 0,
})

export const resetWorkspace = (workspace: Workspace) => {
  workspace.calls.length = 0
  workspace.messages.length = 0
  workspace.views.length = 0
  workspace.faults.length = 0
  workspace.triggers.clear()
  workspace.directChannels.clear()
}

/** A fresh id in Slack's style: a prefix letter and upper-case characters. */
export const nextId = (workspace: Workspace, prefix: string) =>
  `${prefix}${String(++workspace.counter).padStart(9, '0')}`

/** A message timestamp as Slack writes it: seconds, a dot, six digits unique in the channel. */
const nextTs = (workspace: Workspace) =>
  `${Math.floor(Date.now() / 1000)}.${String(++workspace.counter).padStart(6, '0')}`

const ok = (body: Record<string, unknown>): ApiAnswer => ({ status: 200, body: { ok: true, ...body } })
const failed = (error: string): ApiAnswer => ({ status: 200, body: { ok: false, error } })

/** Form values arrive as strings, objects among them JSON-encoded (as `@slack/web-api` sends them). */
export const decodeArgs = (contentType: string | undefined, text: string): Record<string, unknown> => {
  if (contentType?.startsWith('application/json')) {
    const parsed: unknown = text === '' ? {} : JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  }
  const args: Record<string, unknown> = {}
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = /^[[{]/.test(value) ? parseOr(value) : value
  }
  return args
}

const parseOr = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const text = (args: Record<string, unknown>, key: string) =>
  typeof args[key] === 'string' ? args[key] : undefined

const blocksOf = (args: Record<string, unknown>): ReadonlyArray<Block> | undefined =>
  Array.isArray(args['blocks']) ? (args['blocks'] as ReadonlyArray<Block>) : undefined

const knownChannel = (workspace: Workspace, channel: string | undefined) =>
  channel !== undefined &&
  (workspace.config.channels.includes(channel) || [...workspace.directChannels.values()].includes(channel))

const botMessage = (workspace: Workspace, message: StoredMessage) => ({
  type: 'message',
  subtype: 'bot_message',
  text: message.text,
  ts: message.ts,
  bot_id: 'B0WIREBOT',
  app_id: workspace.config.appId,
  team: workspace.config.teamId,
  blocks: message.blocks,
})

const postMessage = (workspace: Workspace, args: Record<string, unknown>): ApiAnswer => {
  const channel = text(args, 'channel')
  if (!knownChannel(workspace, channel)) return failed('channel_not_found')
  const blocks = blocksOf(args)
  const body = text(args, 'text')
  if (blocks === undefined && body === undefined) return failed('no_text')
  const message = {
    channel: channel!,
    ts: nextTs(workspace),
    text: body ?? '',
    blocks: blocks ?? [],
    updates: 0,
  }
  workspace.messages.push(message)
  return ok({ channel: message.channel, ts: message.ts, message: botMessage(workspace, message) })
}

const update = (workspace: Workspace, args: Record<string, unknown>): ApiAnswer => {
  const channel = text(args, 'channel')
  if (!knownChannel(workspace, channel)) return failed('channel_not_found')
  const message = workspace.messages.find((each) => each.channel === channel && each.ts === text(args, 'ts'))
  if (message === undefined) return failed('message_not_found')
  const blocks = blocksOf(args)
  const body = text(args, 'text')
  if (blocks === undefined && body === undefined) return failed('no_text')
  if (blocks !== undefined) message.blocks = blocks
  if (body !== undefined) message.text = body
  message.updates += 1
  return ok({
    channel: message.channel,
    ts: message.ts,
    text: message.text,
    message: botMessage(workspace, message),
  })
}

const openView = (workspace: Workspace, args: Record<string, unknown>): ApiAnswer => {
  const trigger = text(args, 'trigger_id')
  const view = args['view']
  if (trigger === undefined || typeof view !== 'object' || view === null) return failed('invalid_arguments')
  const user = workspace.triggers.get(trigger)
  if (user === undefined) return failed('invalid_trigger_id')
  // A trigger opens one view.
  workspace.triggers.delete(trigger)
  const id = nextId(workspace, 'V')
  const stored = {
    id,
    team_id: workspace.config.teamId,
    state: { values: {} },
    hash: `${Date.now()}.${id}`,
    private_metadata: '',
    callback_id: '',
    clear_on_close: false,
    notify_on_close: false,
    root_view_id: id,
    previous_view_id: null,
    app_id: workspace.config.appId,
    external_id: '',
    app_installed_team_id: workspace.config.teamId,
    bot_id: 'B0WIREBOT',
    ...(view as Record<string, unknown>),
  }
  workspace.views.push({ id, view: stored, user })
  return ok({ view: stored })
}

const openConversation = (workspace: Workspace, args: Record<string, unknown>): ApiAnswer => {
  const user = text(args, 'users')
  if (user === undefined || user.includes(',')) return failed('invalid_arguments')
  if (!workspace.config.users.some((each) => each.id === user)) return failed('user_not_found')
  const channel = workspace.directChannels.get(user) ?? `D${user.slice(1)}`
  workspace.directChannels.set(user, channel)
  return ok({ channel: { id: channel } })
}

/** A message only `user` sees; Slack keeps no copy of it to update, so neither does the wire (the call is recorded). */
const postEphemeral = (workspace: Workspace, args: Record<string, unknown>): ApiAnswer => {
  const channel = text(args, 'channel')
  if (!knownChannel(workspace, channel)) return failed('channel_not_found')
  if (!workspace.config.users.some((each) => each.id === text(args, 'user')))
    return failed('user_not_in_channel')
  if (text(args, 'text') === undefined && blocksOf(args) === undefined) return failed('no_text')
  return ok({ message_ts: nextTs(workspace) })
}

const methods: Readonly<Record<string, (workspace: Workspace, args: Record<string, unknown>) => ApiAnswer>> =
  {
    'chat.postMessage': postMessage,
    'chat.update': update,
    'chat.postEphemeral': postEphemeral,
    'views.open': openView,
    'conversations.open': openConversation,
    'auth.test': (workspace) =>
      ok({
        url: 'https://wire.slack.test/',
        team: 'Wire',
        user: 'countersign',
        team_id: workspace.config.teamId,
        user_id: 'U0WIREBOT',
        bot_id: 'B0WIREBOT',
      }),
  }

/** Answers one Web API call and records it. */
export const answerCall = (
  workspace: Workspace,
  method: string,
  args: Record<string, unknown>,
  token: string | undefined,
  contentType: string | undefined,
): ApiAnswer => {
  const answer = (() => {
    const faultAt = workspace.faults.findIndex((fault) => fault.method === method)
    if (faultAt >= 0) {
      const [fault] = workspace.faults.splice(faultAt, 1)
      return 'error' in fault!
        ? failed(fault.error)
        : ({ status: 429, retryAfter: fault!.rateLimitedFor } as const)
    }
    if (token === undefined || token === '') return failed('not_authed')
    if (token !== workspace.config.token) return failed('invalid_auth')
    const handle = methods[method]
    return handle === undefined ? failed('unknown_method') : handle(workspace, args)
  })()
  workspace.calls.push({
    index: workspace.calls.length,
    method,
    args,
    token,
    contentType,
    error:
      answer.status === 429
        ? 'rate_limited'
        : answer.body['ok'] === false
          ? String(answer.body['error'])
          : undefined,
  })
  return answer
}
