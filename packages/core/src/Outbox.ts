import { Schema } from 'effect'
import { Json } from './Json.js'
import { Notification } from './Notification.js'
import { checkedOnce } from './internal/checkedOnce.js'

/*
 * The outbox: one delivery per notification and channel, written by the store in the same commit
 * as the change it tells of, then sent by a dispatcher (see `Dispatcher`) until it is delivered or
 * given up. A delivery is claimed for one attempt at a time, under a lease: several dispatchers
 * on one store send each delivery once, and one that dies mid-attempt leaves it to the next
 * claim once its lease runs out. So a delivery arrives at least once; twice only when an attempt
 * outlives its lease or its sender dies between sending and recording it.
 */

export const DeliveryStatus = Schema.Literal('pending', 'delivered', 'failed')
export type DeliveryStatus = typeof DeliveryStatus.Type

export class Delivery extends Schema.Class<Delivery>('Delivery')({
  /** `notificationId:channel`: the same notification is delivered to a channel once. */
  id: Schema.NonEmptyString,
  channel: Schema.NonEmptyString,
  notification: Notification,
  runId: Schema.NonEmptyString,
  /** The requirement it is about (none for `run.ended`): how a channel's earlier receipts are found. */
  requirementId: Schema.optional(Schema.NonEmptyString),
  status: DeliveryStatus,
  /** Attempts claimed so far; a claim counts even if its sender died before recording it. */
  attempts: Schema.Int,
  createdAt: Schema.Number,
  /** When it may be claimed next (pending only). */
  nextAttemptAt: Schema.Number,
  lastAttemptAt: Schema.optional(Schema.Number),
  lastError: Schema.optional(Schema.String),
  deliveredAt: Schema.optional(Schema.Number),
  /** What the channel kept of the successful attempt (see `Channel.DeliveryReceipt`). */
  receipt: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
}) {
  constructor(props: Schema.Struct.Constructor<typeof Delivery.fields>, options?: boolean) {
    super(checkDelivery(props, options), true)
  }
}

const checkDelivery = checkedOnce('Delivery', Delivery.fields)

/** The id of a notification's delivery to a channel. */
export const idOf = (notificationId: string, channel: string) => `${notificationId}:${channel}`

/** A new delivery of `notification` to `channel`, due at once. */
export const pending = (notification: Notification, channel: string): Delivery =>
  new Delivery({
    id: idOf(notification.id, channel),
    channel,
    notification,
    runId: notification.run.runId,
    ...(notification.requirement === undefined
      ? {}
      : { requirementId: notification.requirement.requirementId }),
    status: 'pending',
    attempts: 0,
    createdAt: notification.occurredAt,
    nextAttemptAt: notification.occurredAt,
  })

/** What a dispatcher asks of the store: due deliveries of its channels, leased to it for one attempt each. */
export interface DeliveryClaim {
  /** Who claims: a dispatcher's id, unique among those sharing the store. */
  readonly owner: string
  readonly now: number
  /** Until when the claim holds; past it, another dispatcher may claim the delivery again. */
  readonly leaseUntil: number
  /** Only deliveries to these channels: a dispatcher claims only what it can send. */
  readonly channels: ReadonlyArray<string>
  readonly limit: number
}

/** How one attempt went, as its dispatcher records it. */
export const DeliveryOutcome = Schema.Union(
  Schema.TaggedStruct('Delivered', {
    at: Schema.Number,
    receipt: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  }),
  /** Failed; tried again at `nextAttemptAt`. */
  Schema.TaggedStruct('Retry', { at: Schema.Number, error: Schema.String, nextAttemptAt: Schema.Number }),
  /** Failed for good: not retryable, or out of attempts. */
  Schema.TaggedStruct('Failed', { at: Schema.Number, error: Schema.String }),
)
export type DeliveryOutcome = typeof DeliveryOutcome.Type

/** What to list; every field given must match. */
export interface DeliveryFilter {
  readonly runId?: string
  readonly requirementId?: string
  readonly channel?: string
  readonly status?: DeliveryStatus
  /** At most this many, oldest first (default 100). */
  readonly limit?: number
}

/** A delivery as an attempt's outcome leaves it. */
export const afterAttempt = (delivery: Delivery, outcome: DeliveryOutcome): Delivery => {
  const { lastError: _lastError, ...rest } = delivery
  switch (outcome._tag) {
    case 'Delivered':
      return new Delivery({
        ...rest,
        status: 'delivered',
        lastAttemptAt: outcome.at,
        deliveredAt: outcome.at,
        ...(outcome.receipt === undefined ? {} : { receipt: outcome.receipt }),
      })
    case 'Retry':
      return new Delivery({
        ...rest,
        lastAttemptAt: outcome.at,
        lastError: outcome.error,
        nextAttemptAt: outcome.nextAttemptAt,
      })
    case 'Failed':
      return new Delivery({ ...rest, status: 'failed', lastAttemptAt: outcome.at, lastError: outcome.error })
  }
}

/** Whether `delivery` matches every field the filter gives. */
export const matches = (delivery: Delivery, filter: DeliveryFilter) =>
  (filter.runId === undefined || delivery.runId === filter.runId) &&
  (filter.requirementId === undefined || delivery.requirementId === filter.requirementId) &&
  (filter.channel === undefined || delivery.channel === filter.channel) &&
  (filter.status === undefined || delivery.status === filter.status)

export const defaultListLimit = 100
