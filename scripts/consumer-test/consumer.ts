// A TypeScript app as a user writes it, against the packed @countersign/* tarballs installed from npm
// (scripts/consumer-test.sh). Type-checked strictly under `nodenext` and `bundler`, then run on Node 20 and 24:
// any missing export, type or dependency fails the check or the run.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { strict as assert } from 'node:assert'
import { createOpenAI } from '@ai-sdk/openai'
import { AiSdkModel } from '@countersign/ai-sdk'
import { createClient, errorOf } from '@countersign/client'
import {
  Agent,
  Countersign,
  type Model,
  Resolutions,
  type RunOutput,
  ScriptedModel,
  Tool,
} from '@countersign/core'
import { McpServer, McpToolkit } from '@countersign/mcp'
import { MongoStore } from '@countersign/mongodb'
import { OpenAIModel } from '@countersign/openai'
import { amountThreshold, roleGate } from '@countersign/policies'
import { createServer, staticTokens } from '@countersign/server'
import { SqliteStore } from '@countersign/sqlite'
import { Schema } from 'effect'
import { WebSocket } from 'ws'

const work = mkdtempSync(join(tmpdir(), 'countersign-consumer-'))

const refund = Tool.make({
  name: 'refund_payment',
  description: 'Refund an order',
  parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
  requiresConfirmation: true,
  execute: ({ orderId, amount }) => ({ refunded: amount, orderId }),
})

const refundScript = () =>
  ScriptedModel.make([
    { toolCalls: [{ name: 'refund_payment', args: { orderId: 'A-1', amount: 42 } }] },
    'Refunded.',
  ])

// A run on a SQLite file pauses for a person, then continues from its id alone, as another process would.
const store = SqliteStore.make({ path: join(work, 'runs.db') })
const support = new Agent({ id: 'support', model: refundScript(), tools: [refund], store })
const paused: RunOutput = await support.run('Refund A-1')
assert.equal(paused.status, 'paused')
const [confirmation] = paused.activeRequirements
assert.equal(confirmation?.kind, 'confirmation')
const completed = await support.continueRun({
  runId: paused.runId,
  resolutions: [Resolutions.confirm(confirmation.id)],
})
assert.equal(completed.status, 'completed')
assert.equal(completed.content, 'Refunded.')

// A stock policy raises an approval; an approver decides it in the queue, then the run goes on.
const payout = Tool.make({
  name: 'process_refund',
  description: 'Refund a customer',
  parameters: Schema.Struct({ customerId: Schema.String, amount: Schema.Number }),
  execute: ({ customerId, amount }) => ({ refunded: amount, customerId }),
})
const finance = new Agent({
  id: 'finance',
  model: ScriptedModel.make([
    { toolCalls: [{ name: 'process_refund', args: { customerId: 'C-1', amount: 500 } }] },
    'Done.',
  ]),
  tools: [payout],
  store,
  policies: [
    amountThreshold({ tools: ['process_refund'], above: 100 }),
    roleGate({ tools: { process_refund: ['finance'] } }),
  ],
})
const app = new Countersign({ agents: [finance], store })
const pending = await finance.run('Refund C-1', { principal: { id: 'ada', roles: ['user'] } })
assert.equal(pending.status, 'paused')
const { approvals } = await app.approvals.list({ status: 'pending' })
assert.equal(approvals.length, 1)
await app.approvals.decide(
  approvals[0]!.id,
  { approved: true, note: 'receipt checked' },
  { principal: { id: 'grace', roles: ['approver', 'finance'] } },
)
const approved = await app.continueRun({ runId: pending.runId })
assert.equal(approved.status, 'completed')
await app.dispose()

// The server on a real socket, its typed client, and the CLI binary, against a second SQLite file.
const serverStore = SqliteStore.make({ path: join(work, 'server.db') })
const server = createServer({
  agents: [new Agent({ id: 'desk', model: refundScript(), tools: [refund], store: serverStore })],
  store: serverStore,
  authenticate: staticTokens({ 'dev-token': { id: 'alice', roles: ['user'] } }),
})
const { port } = await server.listen(0, '127.0.0.1')
const url = `http://127.0.0.1:${port}`
const client = createClient({ url, token: 'dev-token', WebSocket })
try {
  const remote = await client.runs.start('desk', 'Refund A-1')
  assert.equal(remote.status, 'paused')
  const events: string[] = []
  for await (const event of client.runEvents(remote.runId)) {
    events.push(event._tag)
    if (event._tag === 'RunPaused') break
  }
  assert.ok(events.includes('RunStarted'), events.join(' '))
  const done = await client.runs.continue(remote.runId, [
    Resolutions.confirm(remote.activeRequirementIds[0]!),
  ])
  assert.equal(done.status, 'completed')
  const refused = await client.runs.get('no-such-run').then(
    () => undefined,
    (error: unknown) => errorOf(error),
  )
  assert.equal(refused?._tag, 'RunNotFound')

  // The bin npm installed (node_modules/.bin, on PATH), run as a child: this process serves its requests meanwhile.
  const { stdout } = await promisify(execFile)('countersign', [
    'definitions',
    '--url',
    url,
    '--token',
    'dev-token',
    '--json',
  ])
  assert.match(stdout, /"desk"/)
} finally {
  client.close()
  await server.close()
}

// The model adapters: made as a user makes them (no request is sent), typed as core models.
const openai: Model.Model = OpenAIModel.make({
  model: 'gpt-4.1-mini',
  apiKey: 'sk-test',
  baseURL: 'http://127.0.0.1:9/v1',
})
const aiSdk: Model.Model = AiSdkModel.make(createOpenAI({ apiKey: 'sk-test' })('gpt-4.1-mini'), {
  maxOutputTokens: 256,
})
assert.ok(new Agent({ id: 'gpt', model: openai }) && new Agent({ id: 'sdk', model: aiSdk }))
const connectMongo: typeof MongoStore.connect = MongoStore.connect
assert.equal(typeof connectMongo, 'function')
// MCP: connecting needs a server process; that the entry loads and is typed is checked here.
const connectMcp: typeof McpToolkit.connect = McpToolkit.connect
assert.equal(typeof connectMcp, 'function')
assert.equal(typeof McpServer.httpMount, 'function')

store.close()
serverStore.close()
rmSync(work, { recursive: true, force: true })
console.log(`consumer OK on node ${process.version}`)
