import { Effect, Schema } from 'effect'
import type { Notification } from './Notification.js'
import { describe } from './internal/describe.js'

/*
 * A channel delivers notifications somewhere (a webhook endpoint, Slack, email). Providers are
 * thin packages over this one interface; the dispatcher calls `deliver` for each stored delivery,
 * retrying those that fail retryably, so a channel never retries by itself.
 */

/**
 * What a channel keeps of a successful delivery, stored with it (Slack: the message's channel and
 * ts): an object of JSON values.
 */
export type DeliveryReceipt = { readonly [key: string]: unknown }

export interface DeliveryContext {
  /** 1 on the first attempt. */
  readonly attempt: number
  readonly deliveryId: string
  /**
   * Receipts of this channel's earlier successful deliveries about the same requirement, oldest
   * first: how a channel finds the message to update when the requirement is decided.
   */
  readonly earlier: ReadonlyArray<DeliveryReceipt>
}

/**
 * A delivery did not go through. `retryable` says whether trying again may help (a timeout, a
 * 5xx) or not (the endpoint refused the request); `retryAfterMs`, when the receiver said how long
 * to wait, comes before the dispatcher's own backoff.
 */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()('DeliveryFailed', {
  reason: Schema.String,
  retryable: Schema.Boolean,
  retryAfterMs: Schema.optional(Schema.Number),
}) {
  override get message() {
    return `Delivery failed (${this.retryable ? 'will retry' : 'not retryable'}): ${this.reason}`
  }
}

export interface Channel {
  /** Unique in a deployment: routes and stored deliveries name the channel by it. */
  readonly name: string
  readonly deliver: (
    notification: Notification,
    context: DeliveryContext,
  ) => Effect.Effect<DeliveryReceipt | void, DeliveryFailed>
}

/**
 * A channel from an async function, for channel authors who do not use Effect. A rejection with
 * a DeliveryFailed keeps its `retryable`; any other rejection is a retryable failure.
 */
export const make = (options: {
  readonly name: string
  readonly deliver: (notification: Notification, context: DeliveryContext) => Promise<DeliveryReceipt | void>
}): Channel => ({
  name: options.name,
  deliver: (notification, context) =>
    Effect.tryPromise({
      try: () => options.deliver(notification, context),
      catch: (cause) =>
        cause instanceof DeliveryFailed
          ? cause
          : new DeliveryFailed({ reason: describe(cause), retryable: true }),
    }),
})
