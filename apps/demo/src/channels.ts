/**
 * Where the demo sends its notifications, as the environment says:
 *
 * - COUNTERSIGN_WEBHOOK_URL (+ COUNTERSIGN_WEBHOOK_SECRET, `whsec_…`; one is made and printed
 *   when it is not set): a Standard Webhooks endpoint.
 * - Slack (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET + SLACK_CHANNEL, + SLACK_API_URL) and email
 *   (SMTP_URL + COUNTERSIGN_NOTIFY_EMAIL): added to `configured` below with their channels.
 *
 * Every notification goes to every channel configured, linking to the control panel at
 * COUNTERSIGN_PANEL_URL (default: where the demo listens).
 */
import { type Channel, NotificationEvent, type NotificationsOptions } from '@countersign/core'
import { WebhookChannel } from '@countersign/webhooks'

interface Configured {
  readonly channel: Channel.Channel
  /** What the demo prints about it. */
  readonly description: string
}

const webhook = (env: NodeJS.ProcessEnv): ReadonlyArray<Configured> => {
  const url = env.COUNTERSIGN_WEBHOOK_URL
  if (!url) return []
  const given = env.COUNTERSIGN_WEBHOOK_SECRET
  const secret = given || WebhookChannel.generateSecret()
  return [
    {
      channel: WebhookChannel.make({ name: 'webhook', url, secret }),
      description: `webhook to ${url}${given ? '' : ` (COUNTERSIGN_WEBHOOK_SECRET not set: signing with ${secret})`}`,
    },
  ]
}

/** The channels the environment configures (see above), in the order printed. */
const configured = (env: NodeJS.ProcessEnv): ReadonlyArray<Configured> => [...webhook(env)]

/** The notifications options for the channels configured, if any, and the lines the demo prints about them. */
export const notificationsFrom = (
  env: NodeJS.ProcessEnv,
  panelUrl: string,
): { readonly options: NotificationsOptions | undefined; readonly lines: ReadonlyArray<string> } => {
  const channels = configured(env)
  if (channels.length === 0)
    return {
      options: undefined,
      lines: [
        'no channel is configured (set COUNTERSIGN_WEBHOOK_URL, SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET + SLACK_CHANNEL, or SMTP_URL + COUNTERSIGN_NOTIFY_EMAIL)',
      ],
    }
  return {
    options: {
      channels: channels.map(({ channel }) => channel),
      routes: channels.map(({ channel }) => ({ channel: channel.name, events: NotificationEvent.literals })),
      panelUrl: env.COUNTERSIGN_PANEL_URL || panelUrl,
    },
    lines: channels.map(({ description }) => description),
  }
}
