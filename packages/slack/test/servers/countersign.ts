/**
 * A Countersign server process that notifies Slack of every requirement (the channel `C0APPROVALS`
 * of the slack-wire) and has Slack's interactivity endpoint mounted at `/slack/interactions`, for
 * the end-to-end tests. Its first argument is JSON: the slack-wire's
 * `apiUrl`, `token` and `signingSecret`. It listens on a free port of 127.0.0.1 and prints
 * `listening <port>`; users sign in with the fixture tokens (`alice-token`, …), and the Slack
 * users of `fixtures.ts` are mapped to the fixture principals (U0STRANGER to nobody).
 *
 * - `finance`: `process_refund` needs an approver's approval.
 * - `treasury`: `wire_funds` needs an admin's approval.
 * - `assistant`: `transfer` needs its requester's confirmation.
 * - `booking`: `book_table` asks the person for `guests` (a number) and `seating` (text).
 * - `deployer`: `deploy` is carried out outside; someone hands back its result.
 * - `expiring`: `purge_cache` needs an approval that expires after 300 ms (swept every 100 ms).
 */
import { approval, defineAgent, ScriptedModel, Tool } from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { processRefund, tokens } from '@countersign/server/testing'
import { Schema } from 'effect'
import { SlackChannel, SlackInteractions } from '../../src/index.js'

const { apiUrl, token, signingSecret } = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>

/** An agent whose model calls `tool` once with `args`, then says it is done. */
const agent = (id: string, args: Record<string, unknown>, tool: Tool.Tool) =>
  defineAgent({
    id,
    name: id,
    model: ScriptedModel.make([{ toolCalls: [{ name: tool.name, args }] }, 'Done.']),
    tools: [tool],
  })

const server = createServer({
  agents: [
    agent('finance', { amount: 500 }, processRefund),
    agent(
      'treasury',
      { amount: 9000 },
      Tool.make({
        name: 'wire_funds',
        description: 'Wire funds',
        parameters: Schema.Struct({ amount: Schema.Number }),
        approval: approval({ type: 'required', approvers: (principal) => principal.roles.includes('admin') }),
        execute: ({ amount }) => `wired ${amount}`,
      }),
    ),
    agent(
      'assistant',
      { amount: 100 },
      Tool.make({
        name: 'transfer',
        description: 'Move money',
        parameters: Schema.Struct({ amount: Schema.Number }),
        requiresConfirmation: true,
        execute: ({ amount }) => `moved ${amount}`,
      }),
    ),
    agent(
      'booking',
      { restaurant: 'Noma' },
      Tool.make({
        name: 'book_table',
        description: 'Book a table',
        parameters: Schema.Struct({
          restaurant: Schema.String,
          guests: Schema.Number,
          seating: Schema.String,
        }),
        userInputFields: ['guests', 'seating'],
        execute: ({ restaurant, guests, seating }) => `booked ${restaurant} for ${guests}, ${seating}`,
      }),
    ),
    agent(
      'deployer',
      { service: 'api' },
      Tool.make({
        name: 'deploy',
        description: 'Deploy a service',
        parameters: Schema.Struct({ service: Schema.String }),
        externalExecution: true,
      }),
    ),
    agent(
      'expiring',
      {},
      Tool.make({
        name: 'purge_cache',
        description: 'Purge the cache',
        parameters: Schema.Struct({}),
        approval: approval({ type: 'required', expiresIn: '300 millis' }),
        execute: () => 'purged',
      }),
    ),
  ],
  notifications: {
    channels: [SlackChannel.make({ token: token!, apiUrl: apiUrl!, channel: 'C0APPROVALS' })],
    routes: [{ channel: 'slack' }],
    panelUrl: 'http://panel.test',
    pollEvery: '50 millis',
    retry: { initialDelay: '50 millis', maxDelay: '200 millis' },
  },
  authenticate: staticTokens(
    Object.fromEntries(Object.entries(tokens).map(([name, principal]) => [`${name}-token`, principal])),
  ),
  mounts: [
    SlackInteractions.mount({
      token: token!,
      apiUrl: apiUrl!,
      signingSecret: signingSecret!,
      users: { U0ANN: tokens.ann, U0ALICE: tokens.alice, U0GRACE: tokens.grace, U0ROOT: tokens.root },
    }),
  ],
  sweepEvery: '100 millis',
})
const { port } = await server.listen()
console.log(`listening ${port}`)
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
