import { describe, expect, it } from 'vitest'
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
})
