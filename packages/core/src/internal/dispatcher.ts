import { Clock, Duration, Effect, Option, Random } from 'effect'
import type { Channel, DeliveryReceipt } from '../Channel.js'
import { DeliveryFailed } from '../Channel.js'
import type { Delivery, DeliveryOutcome } from '../Outbox.js'
import type { RunStore } from '../RunStore.js'

export interface DispatchSettings {
  readonly channels: ReadonlyArray<Channel>
  readonly maxAttempts: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly pollEvery: Duration.DurationInput
  readonly leaseMs: number
  readonly concurrency: number
}

/**
 * The wait after failed attempt `attempt` (1, 2, …): doubling from the initial delay up to the
 * longest, half of it random ("equal jitter"), so that dispatchers retrying a receiver that came
 * back do not all call it at the same moment. A receiver's own `retryAfterMs` comes first.
 */
export const backoffMs = (
  settings: DispatchSettings,
  attempt: number,
  random: number,
  retryAfterMs?: number,
) => {
  if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs)
  const ceiling = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.min(attempt - 1, 30))
  return ceiling / 2 + (ceiling / 2) * random
}

/** Receipts of the channel's earlier successful deliveries about the same requirement, oldest first. */
const earlierReceipts = (store: RunStore, delivery: Delivery) =>
  delivery.requirementId === undefined
    ? Effect.succeed<ReadonlyArray<DeliveryReceipt>>([])
    : Effect.map(
        store.listDeliveries({
          requirementId: delivery.requirementId,
          channel: delivery.channel,
          status: 'delivered',
        }),
        (delivered) =>
          delivered.flatMap(({ id, receipt }) =>
            id !== delivery.id && receipt !== undefined ? [receipt] : [],
          ),
      )

/** One attempt at a claimed delivery, and what to record of it. */
const attempt = (store: RunStore, settings: DispatchSettings, channel: Channel, delivery: Delivery) =>
  Effect.gen(function* () {
    const earlier = yield* earlierReceipts(store, delivery)
    const sent = yield* channel
      .deliver(delivery.notification, { attempt: delivery.attempts, deliveryId: delivery.id, earlier })
      .pipe(
        // An attempt may not outlive its lease, after which another dispatcher would send it too.
        Effect.timeoutFail({
          duration: Duration.millis(settings.leaseMs * 0.9),
          onTimeout: () =>
            new DeliveryFailed({ reason: 'the channel did not answer in time', retryable: true }),
        }),
        Effect.catchAllDefect((defect) =>
          Effect.fail(
            new DeliveryFailed({ reason: `the channel failed: ${String(defect)}`, retryable: true }),
          ),
        ),
        Effect.either,
      )
    const at = yield* Clock.currentTimeMillis
    if (sent._tag === 'Right')
      return {
        _tag: 'Delivered',
        at,
        ...(sent.right === undefined ? {} : { receipt: sent.right }),
      } satisfies DeliveryOutcome
    const failure = sent.left
    if (!failure.retryable || delivery.attempts >= settings.maxAttempts)
      return { _tag: 'Failed', at, error: failure.reason } satisfies DeliveryOutcome
    const wait = backoffMs(settings, delivery.attempts, yield* Random.next, failure.retryAfterMs)
    return {
      _tag: 'Retry',
      at,
      error: failure.reason,
      nextAttemptAt: at + wait,
    } satisfies DeliveryOutcome
  })

/** Claims what is due and sends it, answering how many were claimed. */
const pass = (store: RunStore, settings: DispatchSettings, owner: string) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const byName = new Map(settings.channels.map((channel) => [channel.name, channel] as const))
    const claimed = yield* store.claimDeliveries({
      owner,
      now,
      leaseUntil: now + settings.leaseMs,
      channels: [...byName.keys()],
      limit: settings.concurrency,
    })
    yield* Effect.forEach(
      claimed,
      (delivery) =>
        Option.match(Option.fromNullable(byName.get(delivery.channel)), {
          onNone: () => Effect.void,
          onSome: (channel) =>
            Effect.flatMap(attempt(store, settings, channel, delivery), (outcome) =>
              store.recordDelivery(delivery.id, outcome),
            ),
        }),
      { concurrency: settings.concurrency, discard: true },
    )
    return claimed.length
  })

/**
 * Sends due deliveries for as long as it runs: a pass after each `wake` (the engine wrote some)
 * or every `pollEvery`, at once again after a pass that found a full batch. A pass that fails
 * (the store is down) is logged, and the next one tries again; what was claimed and not recorded
 * is claimed again once its lease runs out.
 */
export const dispatch = (store: RunStore, settings: DispatchSettings, wake: Effect.Effect<void>) =>
  Effect.gen(function* () {
    const owner = `dispatcher-${crypto.randomUUID()}`
    for (;;) {
      const claimed = yield* pass(store, settings, owner).pipe(
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning('Countersign dispatcher: a pass failed', error), 0),
        ),
      )
      if (claimed < settings.concurrency) yield* Effect.race(wake, Effect.sleep(settings.pollEvery))
    }
  })
