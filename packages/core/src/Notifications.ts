import { Context, Duration, Effect, Layer, Queue, Schema } from 'effect'
import type { Channel } from './Channel.js'
import { DefinitionError } from './Errors.js'
import { NotificationEvent, type Notification } from './Notification.js'
import { RunStore } from './RunStore.js'
import { dispatch, type DispatchSettings } from './internal/dispatcher.js'

/*
 * What to send where. A deployment names its channels and routes notifications to them by event,
 * requirement kind, agent, tool, policy and approval type; the engine writes a delivery per
 * notification and routed channel into the store's outbox with the change it tells of, and a
 * dispatcher sends them (see Outbox.ts for the guarantees).
 */

/**
 * Sends the notifications that match every filter it gives to `channel`. Without `events`, every
 * requirement event (raised, decided, expired, reminded, escalated); `run.ended` only when listed.
 * `agents` matches the run's agent, team or workflow, or the member whose call it is.
 */
export const Route = Schema.Struct({
  channel: Schema.NonEmptyString,
  events: Schema.optional(Schema.Array(NotificationEvent)),
  kinds: Schema.optional(Schema.Array(Schema.String)),
  agents: Schema.optional(Schema.Array(Schema.String)),
  tools: Schema.optional(Schema.Array(Schema.String)),
  policies: Schema.optional(Schema.Array(Schema.String)),
  approvalTypes: Schema.optional(Schema.Array(Schema.String)),
})
export type Route = typeof Route.Type

export interface RetryOptions {
  /** Attempts before a delivery is given up as failed (default 8). */
  readonly maxAttempts?: number
  /** The wait before the second attempt (default 1 second); each later one doubles it, with jitter. */
  readonly initialDelay?: Duration.DurationInput
  /** The longest wait between attempts (default 10 minutes). */
  readonly maxDelay?: Duration.DurationInput
}

export interface NotificationsOptions {
  readonly channels: ReadonlyArray<Channel>
  readonly routes: ReadonlyArray<Route>
  /** The control panel's address: every notification links to its requirement (or run) there. */
  readonly panelUrl: string
  readonly retry?: RetryOptions
  /** How often the outbox is read for due deliveries when nothing woke the dispatcher (default 1 second). */
  readonly pollEvery?: Duration.DurationInput
  /**
   * How long one attempt holds its delivery (default 1 minute): another dispatcher takes it over
   * after that. Keep it above the channels' own timeouts; an attempt still running then is cut.
   */
  readonly attemptLease?: Duration.DurationInput
  /** Deliveries sent at once by this dispatcher (default 8). */
  readonly concurrency?: number
}

/** The routing as the engine uses it when it writes, and how it tells the dispatcher it wrote. */
export interface Notifier {
  readonly routes: ReadonlyArray<Route>
  /** The names of the channels this process sends to. */
  readonly channels: ReadonlyArray<string>
  readonly panelUrl: string
  readonly written: Effect.Effect<void>
}

export const Notifier = Context.GenericTag<Notifier>('@countersign/core/Notifier')

const requirementEvents = NotificationEvent.literals.filter((event) => event !== 'run.ended')

const matchesAny = (
  allowed: ReadonlyArray<string> | undefined,
  ...values: ReadonlyArray<string | undefined>
) => allowed === undefined || values.some((value) => value !== undefined && allowed.includes(value))

/** Whether `route` sends `notification`; `memberAgentId` is the agent whose call a requirement blocks, if another's. */
export const routes = (route: Route, notification: Notification, memberAgentId?: string): boolean => {
  const requirement = notification.requirement
  return (
    (route.events ?? requirementEvents).includes(notification.event) &&
    matchesAny(route.agents, notification.run.agentId, memberAgentId) &&
    matchesAny(route.kinds, requirement?.kind) &&
    matchesAny(route.tools, requirement?.toolName) &&
    matchesAny(route.policies, requirement?.policy) &&
    matchesAny(route.approvalTypes, requirement?.approvalType)
  )
}

/** The channels a notification goes to: those of the routes that send it, each once. */
export const channelsFor = (
  routing: ReadonlyArray<Route>,
  notification: Notification,
  memberAgentId?: string,
): ReadonlyArray<string> => [
  ...new Set(
    routing.filter((route) => routes(route, notification, memberAgentId)).map(({ channel }) => channel),
  ),
]

const decodeRoutes = Schema.decodeUnknownEither(Schema.Array(Route))

/** Checks the options: channels named once, routes to known channels only, an http(s) panel address. */
export const check = (options: NotificationsOptions): NotificationsOptions => {
  const fail = (reason: string) => {
    throw new DefinitionError({ subject: 'notifications', reason })
  }
  const names = options.channels.map(({ name }) => name)
  const repeated = names.find((name, index) => names.indexOf(name) !== index)
  if (repeated !== undefined) fail(`the channel name "${repeated}" is used twice`)
  if (decodeRoutes(options.routes)._tag === 'Left')
    fail('a route names its channel and lists event names, kinds, agents, tools, policies or approval types')
  const unknown = options.routes.find(({ channel }) => !names.includes(channel))
  if (unknown !== undefined) fail(`a route sends to "${unknown.channel}", which is not among the channels`)
  if (!URL.canParse(options.panelUrl) || !['http:', 'https:'].includes(new URL(options.panelUrl).protocol))
    fail('panelUrl is the http(s) address of the control panel')
  const attempts = options.retry?.maxAttempts
  if (attempts !== undefined && (!Number.isSafeInteger(attempts) || attempts < 1))
    fail('retry.maxAttempts is a whole number, at least 1')
  return options
}

const settingsOf = (options: NotificationsOptions): DispatchSettings => ({
  channels: options.channels,
  maxAttempts: options.retry?.maxAttempts ?? 8,
  initialDelayMs: Duration.toMillis(options.retry?.initialDelay ?? '1 second'),
  maxDelayMs: Duration.toMillis(options.retry?.maxDelay ?? '10 minutes'),
  pollEvery: options.pollEvery ?? '1 second',
  leaseMs: Duration.toMillis(options.attemptLease ?? '1 minute'),
  concurrency: options.concurrency ?? 8,
})

/**
 * The notifier for the engine, and this process's dispatcher, which sends the outbox's due
 * deliveries of these channels until the layer's scope ends: woken by the engine's writes, else
 * reading the store every `pollEvery`. Throws DefinitionError for options that cannot work.
 */
export const layer = (options: NotificationsOptions): Layer.Layer<Notifier, never, RunStore> => {
  const checked = check(options)
  return Layer.scoped(
    Notifier,
    Effect.gen(function* () {
      const store = yield* RunStore
      const wakeups = yield* Queue.sliding<void>(1)
      yield* Effect.forkScoped(dispatch(store, settingsOf(checked), Queue.take(wakeups)))
      return {
        routes: checked.routes,
        channels: checked.channels.map(({ name }) => name),
        panelUrl: checked.panelUrl,
        written: Queue.offer(wakeups, undefined),
      }
    }),
  )
}
