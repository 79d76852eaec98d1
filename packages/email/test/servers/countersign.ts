/**
 * A Countersign server process that emails every requirement to `approvers@example.test` through
 * the SMTP server whose URL is its first argument, for the end-to-end test. Its `finance` agent's
 * `process_refund` needs an approval. It listens on a free port of 127.0.0.1 and prints
 * `listening <port>`; users sign in with the fixture tokens (`alice-token`, …).
 */
import { defineAgent, ScriptedModel } from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { processRefund, tokens } from '@countersign/server/testing'
import { EmailChannel } from '../../src/index.js'

const finance = defineAgent({
  id: 'finance',
  model: ScriptedModel.make([{ toolCalls: [{ name: 'process_refund', args: { amount: 500 } }] }, 'Done.']),
  tools: [processRefund],
})

const server = createServer({
  agents: [finance],
  authenticate: staticTokens(
    Object.fromEntries(Object.entries(tokens).map(([name, principal]) => [`${name}-token`, principal])),
  ),
  notifications: {
    channels: [
      EmailChannel.make({
        transport: process.argv[2]!,
        from: '"Countersign" <countersign@example.test>',
        to: 'approvers@example.test',
      }),
    ],
    routes: [{ channel: 'email', events: ['requirement.raised', 'requirement.decided'] }],
    panelUrl: 'http://panel.test',
    pollEvery: '50 millis',
  },
  sweepEvery: false,
})
const { port } = await server.listen()
console.log(`listening ${port}`)
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
