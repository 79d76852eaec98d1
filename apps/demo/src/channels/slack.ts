/**
 * The demo's Slack, from the environment: with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
 * SLACK_CHANNEL set, requirements are posted to that channel and decided from it at
 * `/slack/interactions`. SLACK_API_URL points at a Slack-compatible server instead of slack.com;
 * SLACK_USERS maps Slack user ids to the demo's people (`U024BE7LH=grace,U0G9QF9C6=ada`).
 */
import type { Channel } from '@countersign/core'
import type { SelfAuthenticatingMount } from '@countersign/server'
import { type PrincipalInput, SlackChannel, SlackInteractions } from '@countersign/slack'

export interface DemoSlack {
  readonly channel: Channel.Channel
  readonly mount: SelfAuthenticatingMount
  readonly description: string
}

const required = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CHANNEL'] as const

/** `U1=ada,U2=grace` → Slack user id → the demo principal of that id. */
const usersOf = (text: string, people: ReadonlyArray<PrincipalInput>): Record<string, PrincipalInput> =>
  Object.fromEntries(
    text
      .split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => {
        const [slackUser, id] = pair.split('=').map((part) => part.trim())
        const principal = people.find((person) => person.id === id)
        if (slackUser === undefined || principal === undefined)
          throw new Error(
            `SLACK_USERS: "${pair}" is not <Slack user id>=<one of ${people.map((p) => p.id).join(', ')}>`,
          )
        return [slackUser, principal]
      }),
  )

/** Slack as the environment configures it; undefined when none of its variables is set. */
export const slackFromEnv = (
  people: ReadonlyArray<PrincipalInput>,
  env: NodeJS.ProcessEnv = process.env,
): DemoSlack | undefined => {
  const missing = required.filter((name) => !env[name])
  if (missing.length === required.length) return undefined
  if (missing.length > 0)
    throw new Error(`Slack needs ${missing.join(' and ')} too (see docs/guides/slack.md)`)
  const connection = {
    token: env['SLACK_BOT_TOKEN']!,
    ...(env['SLACK_API_URL'] ? { apiUrl: env['SLACK_API_URL'] } : {}),
  }
  const users = usersOf(env['SLACK_USERS'] ?? '', people)
  return {
    channel: SlackChannel.make({ ...connection, channel: env['SLACK_CHANNEL']! }),
    mount: SlackInteractions.mount({ ...connection, signingSecret: env['SLACK_SIGNING_SECRET']!, users }),
    description: `requirements go to Slack channel ${env['SLACK_CHANNEL']}, decided at /slack/interactions by ${
      Object.keys(users).length
    } mapped Slack users`,
  }
}
