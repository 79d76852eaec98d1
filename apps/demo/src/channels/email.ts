/**
 * The demo's email, from the environment: with SMTP_URL and COUNTERSIGN_NOTIFY_EMAIL set, every
 * requirement is emailed there (from COUNTERSIGN_NOTIFY_FROM, by default countersign@localhost).
 */
import type { Channel } from '@countersign/core'
import { EmailChannel } from '@countersign/email'

export interface DemoEmail {
  readonly channel: Channel.Channel
  readonly description: string
}

/** Email as the environment configures it; undefined when neither variable is set. */
export const emailFromEnv = (env: NodeJS.ProcessEnv = process.env): DemoEmail | undefined => {
  const url = env['SMTP_URL']
  const to = env['COUNTERSIGN_NOTIFY_EMAIL']
  if (!url && !to) return undefined
  if (!url || !to)
    throw new Error('Email needs both SMTP_URL and COUNTERSIGN_NOTIFY_EMAIL (see docs/guides/email.md)')
  return {
    channel: EmailChannel.make({
      transport: url,
      from: env['COUNTERSIGN_NOTIFY_FROM'] || '"Countersign" <countersign@localhost>',
      to: to.split(',').map((address) => address.trim()),
    }),
    description: `requirements are emailed to ${to}`,
  }
}
