import { describe, expect, it } from 'vitest'
import { notificationsFrom } from '../src/channels.js'
import { emailFromEnv } from '../src/channels/email.js'
import { slackFromEnv } from '../src/channels/slack.js'
import { demoPrincipals } from '../src/served.js'

const people = Object.values(demoPrincipals)

describe("the demo's channels from the environment", () => {
  it('Slack: off without its variables, refused when some are missing, else the channel and its mount', () => {
    expect(slackFromEnv(people, {})).toBeUndefined()
    expect(() => slackFromEnv(people, { SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      'Slack needs SLACK_SIGNING_SECRET and SLACK_CHANNEL too',
    )
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_CHANNEL: 'C1' }
    expect(() => slackFromEnv(people, { ...env, SLACK_USERS: 'U1=mallory' })).toThrow(/SLACK_USERS/)
    const slack = slackFromEnv(people, { ...env, SLACK_USERS: 'U1=grace, U2=ada' })
    expect(slack?.channel.name).toBe('slack')
    expect(slack?.mount).toMatchObject({ path: '/slack/interactions', authentication: 'self' })
    expect(slack?.description).toContain('2 mapped Slack users')
  })

  it('email: off without its variables, refused with only one, else the channel', () => {
    expect(emailFromEnv({})).toBeUndefined()
    expect(() => emailFromEnv({ SMTP_URL: 'smtp://localhost:25' })).toThrow(/COUNTERSIGN_NOTIFY_EMAIL/)
    expect(
      emailFromEnv({ SMTP_URL: 'smtp://localhost:25', COUNTERSIGN_NOTIFY_EMAIL: 'ops@example.com' })?.channel
        .name,
    ).toBe('email')
  })

  it('all three at once: every channel routed, and the Slack endpoint among the mounts the server serves', () => {
    const { options, mounts, lines } = notificationsFrom(
      {
        COUNTERSIGN_WEBHOOK_URL: 'http://127.0.0.1:9/hooks',
        COUNTERSIGN_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_CHANNEL: 'C1',
        SMTP_URL: 'smtp://localhost:25',
        COUNTERSIGN_NOTIFY_EMAIL: 'ops@example.com',
      },
      'http://127.0.0.1:3000',
    )
    expect(options?.channels.map((channel) => channel.name)).toEqual(['webhook', 'slack', 'email'])
    expect(options?.routes.map((route) => route.channel)).toEqual(['webhook', 'slack', 'email'])
    expect(mounts.map((mount) => mount.path)).toEqual(['/slack/interactions'])
    expect(lines).toHaveLength(3)
    expect(notificationsFrom({}, 'http://127.0.0.1:3000')).toMatchObject({ options: undefined, mounts: [] })
  })
})
