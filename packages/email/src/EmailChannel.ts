import type { Channel, DeliveryContext, Notification } from '@countersign/core'
import { Effect, Option, Schema } from 'effect'
import { createTransport } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import { contentOf } from './internal/content.js'
import { deliveryFailure } from './internal/failure.js'

/*
 * Notifications as emails, sent over SMTP with nodemailer: one message for each, with its details
 * and the link to the requirement in the control panel. Messages about one requirement are one
 * thread: each later one answers the first (`In-Reply-To`, `References`).
 */

export interface EmailChannelOptions {
  /** The channel's name in routes and delivery records (default `email`). */
  readonly name?: string
  /** The SMTP server: a URL (`smtps://user:pass@smtp.example.com`, the `SMTP_URL` of a deployment), or nodemailer's SMTP options. */
  readonly transport: string | SMTPTransport.Options
  /** The sender: `"Countersign" <countersign@example.com>`. */
  readonly from: string
  /** Who gets them: addresses, or the addresses for each notification (none: it is not sent, and counts as delivered). */
  readonly to:
    | string
    | ReadonlyArray<string>
    | ((notification: Notification) => string | ReadonlyArray<string> | undefined)
}

/** What is kept of a sent message: its id, which later messages about the same requirement answer. */
const SentMessage = Schema.Struct({ messageId: Schema.String })
const sentMessage = Schema.decodeUnknownOption(SentMessage)

const firstMessage = (context: DeliveryContext) =>
  context.earlier.map((receipt) => sentMessage(receipt)).find(Option.isSome)

export const make = (options: EmailChannelOptions): Channel.Channel => {
  const transport = createTransport(options.transport)
  const recipients = (notification: Notification) => {
    const to = typeof options.to === 'function' ? options.to(notification) : options.to
    return to === undefined ? [] : typeof to === 'string' ? [to] : [...to]
  }
  return {
    name: options.name ?? 'email',
    deliver: (notification, context) => {
      const to = recipients(notification)
      if (to.length === 0) return Effect.void
      const thread = firstMessage(context)
      const { subject, text, html } = contentOf(notification)
      return Effect.tryPromise({
        try: () =>
          transport.sendMail({
            from: options.from,
            to,
            subject,
            text,
            html,
            ...(thread === undefined
              ? {}
              : { inReplyTo: thread.value.messageId, references: [thread.value.messageId] }),
          }),
        catch: deliveryFailure,
      }).pipe(Effect.map((info) => ({ messageId: info.messageId })))
    },
  }
}
