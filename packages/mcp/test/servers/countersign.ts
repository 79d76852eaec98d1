/**
 * A Countersign server process whose agents use MCP servers, for the tests that go through the
 * server API. It listens on a free port of 127.0.0.1 and prints `listening <port>`.
 *
 * - `profile` calls the "everything" reference server's `trigger-elicitation-request` tool, whose
 *   server asks the person for a form half-way through the call.
 * - `treasurer` and `payouts` (see agents.ts) are served over MCP too, at `/mcp` on its port.
 *
 * Its runs are kept in memory, or in the SQLite file named by `sqlite <path>` (shared by the
 * processes of a restart test). Users sign in with the fixture tokens (`alice-token`, …). SIGTERM closes it and its MCP servers.
 */
import { defineAgent, ScriptedModel } from '@countersign/core'
import { createServer, staticTokens } from '@countersign/server'
import { tokens } from '@countersign/server/testing'
import { SqliteStore } from '@countersign/sqlite'
import { McpServer, McpToolkit } from '../../src/index.js'
import { payouts, treasurer } from './agents.js'
import { everythingServer } from './addresses.js'

/** A model that calls `name` once, then reports what it answered. */
const callingOnce = (name: string) =>
  ScriptedModel.make((request) => {
    const results = request.messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))
    return results.length === 0 ? { toolCalls: [{ name, args: {} }] } : `Done: ${results.join(' | ')}`
  })

const everything = await McpToolkit.connect({
  name: 'everything',
  server: everythingServer(),
  tools: ['trigger-elicitation-request'],
})

const profile = defineAgent({
  id: 'profile',
  model: callingOnce('trigger-elicitation-request'),
  tools: [everything],
})

const [storeKind, storePath] = process.argv.slice(2)
const store =
  storeKind === 'sqlite' && storePath !== undefined ? SqliteStore.make({ path: storePath }) : undefined

const server = createServer({
  ...(store === undefined ? {} : { store }),
  agents: [profile, treasurer, payouts],
  mounts: [McpServer.httpMount({ maxSessionsPerCaller: 3 })],
  authenticate: staticTokens(
    Object.fromEntries(Object.entries(tokens).map(([name, principal]) => [`${name}-token`, principal])),
  ),
  sweepEvery: false,
})
const { port } = await server.listen()
console.log(`listening ${port}`)

process.once('SIGTERM', () => {
  void Promise.all([server.close(), everything.close()]).then(() => process.exit(0))
})
