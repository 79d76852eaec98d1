/**
 * Where the demo sends its notifications, as the environment says:
 *
 * - COUNTERSIGN_WEBHOOK_URL (+ COUNTERSIGN_WEBHOOK_SECRET, `whsec_…`; one is made and printed
 *   when it is not set): a Standard Webhooks endpoint.
 * - Slack (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET + SLACK_CHANNEL, + SLACK_API_URL, SLACK_USERS):
 *   see channels/slack.ts; its interactivity endpoint is a mount the server must serve.
 * - Email (SMTP_URL + COUNTERSIGN_NOTIFY_EMAIL): see channels/email.ts.
 *
 * Every notification goes to every channel configured, linking to the control panel at
 * COUNTERSIGN_PANEL_URL (default: where the demo listens).
 */
import { type Channel, NotificationEvent, type NotificationsOptions } from '@countersign/core'
import type { SelfAuthenticatingMount } from '@countersign/server'
import { WebhookChannel } from '@countersign/webhooks'
import { emailFromEnv } from './channels/email.js'
import { slackFromEnv } from './channels/slack.js'
import { demoPrincipals } from './served.js'

interface Configured {
  readonly channel: Channel.Channel
  /** What the demo prints about it. */
  readonly description: string
  /** What the server must serve for it (Slack's interactivity endpoint). */
  readonly mount?: SelfAuthenticatingMount
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
const configured = (env: NodeJS.ProcessEnv): ReadonlyArray<Configured> => [
  ...webhook(env),
  ...[slackFromEnv(Object.values(demoPrincipals), env), emailFromEnv(env)].filter(
    (each): each is Configured => each !== undefined,
  ),
]

/** The notifications options for the channels configured, if any, and the lines the demo prints about them. */
export const notificationsFrom = (
  env: NodeJS.ProcessEnv,
  panelUrl: string,
): {
  readonly options: NotificationsOptions | undefined
  readonly mounts: ReadonlyArray<SelfAuthenticatingMount>
  readonly lines: ReadonlyArray<string>
} => {
  const channels = configured(env)
  if (channels.length === 0)
    return {
      options: undefined,
      mounts: [],
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
    mounts: channels.flatMap(({ mount }) => (mount === undefined ? [] : [mount])),
    lines: channels.map(({ description }) => description),
  }
}
