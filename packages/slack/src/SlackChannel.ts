import {
  type Channel,
  type DeliveryContext,
  DeliveryFailed,
  type DeliveryReceipt,
  type Notification,
} from '@countersign/core'
import { Effect, Option, Schema } from 'effect'
import { messageOf } from './internal/message.js'
import { deliveryFailure, type SlackConnection, slackClient } from './internal/slackApi.js'

/*
 * Notifications as Slack messages: one interactive message per raised requirement (in a channel,
 * or a person's direct messages), updated in place when the requirement is decided anywhere —
 * the panel, the CLI, the API, another Slack user, its expiry — saying who decided and how.
 * Clicks on its buttons come back to `SlackInteractions.mount`.
 */

export interface SlackChannelOptions extends SlackConnection {
  /** The channel's name in routes and delivery records (default `slack`). */
  readonly name?: string
  /** Where messages go: a channel id (`C…`), which the bot has been invited to. */
  readonly channel: string
  /**
   * Send this notification to a person's direct messages instead: their Slack user id (`U…`), or
   * undefined for `channel` (the bot needs the `im:write` scope).
   */
  readonly directMessage?: (notification: Notification) => string | undefined
}

/** What Slack answers for a posted message, kept with the delivery: where it is, to update it. */
const PostedMessage = Schema.Struct({ channel: Schema.String, ts: Schema.String })
const postedMessage = Schema.decodeUnknownOption(PostedMessage)

/** The message posted when the requirement was raised: the first earlier receipt that names one. */
const raisedMessage = (context: DeliveryContext) =>
  context.earlier.map((receipt) => postedMessage(receipt)).find(Option.isSome)

export const make = (options: SlackChannelOptions): Channel.Channel => {
  const client = slackClient(options)
  const call = <A>(method: string, request: () => Promise<A>) =>
    Effect.tryPromise({ try: request, catch: (error) => deliveryFailure(method, error) })

  const destination = (notification: Notification) => {
    const user = options.directMessage?.(notification)
    if (user === undefined) return Effect.succeed(options.channel)
    return call('conversations.open', () => client.conversations.open({ users: user })).pipe(
      Effect.flatMap(({ channel }) =>
        channel?.id === undefined
          ? Effect.fail(new DeliveryFailed({ reason: 'conversations.open: no channel', retryable: false }))
          : Effect.succeed(channel.id),
      ),
    )
  }

  const post = (notification: Notification) =>
    Effect.gen(function* () {
      const channel = yield* destination(notification)
      const { text, blocks } = messageOf(notification)
      const posted = yield* call('chat.postMessage', () =>
        client.chat.postMessage({ channel, text, blocks: blocks as never, unfurl_links: false }),
      )
      return { channel: posted.channel ?? channel, ts: posted.ts ?? '' } satisfies DeliveryReceipt
    })

  return {
    name: options.name ?? 'slack',
    deliver: (notification, context) => {
      const earlier = raisedMessage(context)
      // What happened to a requirement whose message is there changes that message; anything else is a new one.
      if (notification.event === 'requirement.raised' || earlier === undefined) return post(notification)
      const { channel, ts } = earlier.value
      const { text, blocks } = messageOf(notification)
      return call('chat.update', () =>
        client.chat.update({ channel, ts, text, blocks: blocks as never }),
      ).pipe(Effect.as({ channel, ts } satisfies DeliveryReceipt))
    },
  }
}
