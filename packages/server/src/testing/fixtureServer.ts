/**
 * A server process for integration tests: scripted agents and a team, listening on a free port
 * of 127.0.0.1. Its arguments choose the store:
 *
 * - none: a memory store of its own;
 * - `mongodb <url> <dbName>`: MongoDB (or FerretDB), which several such processes may share;
 * - `sqlite <path>`: a SQLite file, which several such processes may share too;
 * - then, optionally, `--ledger <path>`: every run of the gated `transfer` tool appends its
 *   run id and idempotency key to that file, one call a line (how a test counts calls across
 *   processes);
 * - `--manual-resume`: a decided approval does not continue its run (`resumeOnDecision: false`);
 * - `--tight-limits`: small limits, reached in a few calls (see `tightLimits`);
 * - `--writer-lease <ms>`: how long a run's writer holds its lease (a killed server's runs are
 *   interrupted that long after its last renewal);
 * - `--sweep-every <ms>` and `--sweeper-lease <ms>`: sweep expired requirements that often (by
 *   default it does not sweep), holding the sweeper's lease that long; the process is named
 *   `pid-<its pid>` in the lease;
 * - and `--port <n>`: listen on that port (by default a free one), as a restarted server would.
 *
 * The `expiring` agent asks to transfer 5, the call's confirmation expiring after a second.
 *
 * Its tokens are checked again every 50 ms on open connections (`reauthenticateMs`).
 *
 * The `holder` agent's `hold` tool (and `guarded_holder`'s, once confirmed) appends its run id and
 * idempotency key to the ledger, prints `held <runId>`, and waits like `slow_task`.
 *
 * It prints `listening <port>` when ready and reads commands, one a line, from stdin:
 *
 * - `drop-sockets`: destroys every WebSocket connection from the server side (a network failure),
 *   then prints `dropped <count>`.
 * - `release`: lets the held `slow_task`, `open_vault` and `hold` tools finish (they print
 *   `slow-entered`, `vault-entered` and `held <runId>` once they are running).
 * - `grant <token> <user>`: the token signs in as that fixture user from now on; prints `granted <token>`.
 * - `revoke <token>`: the token signs in as nobody from now on; prints `revoked <token>`.
 *
 * SIGTERM closes the server gracefully: it prints `closing` at once, `closed` when done, and exits.
 */
import { appendFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { createInterface } from 'node:readline'
import {
  approval,
  defineAgent,
  defineTeam,
  type Message,
  Model,
  ModelError,
  Policy,
  RequiredApproval,
  type RunStore,
  ScriptedModel,
  Tool,
} from '@countersign/core'
import { Schema } from 'effect'
import { createServer, type PrincipalInput, staticTokens } from '../index.js'
import { type FixtureUser, tokens } from './tokens.js'
import { processRefund } from './tools.js'

type ClosableStore = RunStore & { readonly close: () => void | Promise<void> }

/** The store the arguments name; its package is imported only when asked for. */
const openStore = async ([kind, ...rest]: ReadonlyArray<string>): Promise<ClosableStore | undefined> => {
  const [url, dbName] = rest
  if (kind === undefined) return undefined
  if (kind === 'mongodb' && url !== undefined && dbName !== undefined) {
    const { MongoStore } = await import('@countersign/mongodb')
    return MongoStore.connect({ url, dbName })
  }
  if (kind === 'sqlite' && url !== undefined) {
    const { SqliteStore } = await import('@countersign/sqlite')
    return SqliteStore.make({ path: url })
  }
  throw new Error(
    `unknown store arguments: ${[kind, ...rest].join(' ')} (expected: mongodb <url> <dbName>, or sqlite <path>)`,
  )
}

/** The store, ledger and options the arguments ask for (see above). */
const parseArgs = async (args: ReadonlyArray<string>) => {
  const at = args.indexOf('--ledger')
  const ledger = at >= 0 ? args[at + 1] : undefined
  const manualResume = args.includes('--manual-resume')
  const tight = args.includes('--tight-limits')
  const leaseAt = args.indexOf('--writer-lease')
  const writerLease = leaseAt >= 0 ? Number(args[leaseAt + 1]) : undefined
  const numberAfter = (flag: string) => {
    const flagAt = args.indexOf(flag)
    return flagAt >= 0 ? Number(args[flagAt + 1]) : undefined
  }
  const flagsAt = args.findIndex((arg) => arg.startsWith('--'))
  const store = await openStore(flagsAt < 0 ? args : args.slice(0, flagsAt))
  return {
    ledger,
    manualResume,
    tight,
    writerLease,
    store,
    sweepEvery: numberAfter('--sweep-every'),
    sweeperLease: numberAfter('--sweeper-lease'),
    port: numberAfter('--port') ?? 0,
  }
}

const { ledger, manualResume, tight, writerLease, store, sweepEvery, sweeperLease, port } = await parseArgs(
  process.argv.slice(2),
)

const toolResults = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))

/** A model that makes these tool calls at once, then reports what the tools said. */
const calling = (
  toolCalls: ReadonlyArray<{ readonly name: string; readonly args: Record<string, unknown> }>,
) =>
  ScriptedModel.make((request) => {
    const results = toolResults(request.messages)
    return results.length === 0 ? { toolCalls } : `Done: ${results.join(' | ')}`
  })

const callingOnce = (name: string, args: Record<string, unknown>) => calling([{ name, args }])

const release = (() => {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
})()

/** Appends the call's run id and idempotency key to the ledger, if there is one. */
const recordCall = (ctx: { readonly runId: string; readonly idempotencyKey: string }) => {
  if (ledger !== undefined) appendFileSync(ledger, `${ctx.runId} ${ctx.idempotencyKey}\n`)
}

const transfer = Tool.make({
  name: 'transfer',
  description: 'Move money',
  parameters: Schema.Struct({ amount: Schema.Number }),
  requiresConfirmation: true,
  execute: ({ amount }, ctx) => {
    recordCall(ctx)
    return `moved ${amount}`
  },
})

/** Whether the `flaky` agent's model answers the turn after its tool: not until the test says `model-up`. */
const modelStatus = { up: false }

/**
 * Asks for a transfer, then answers 503 (retryably, as a client that gave up would) on the turn
 * after it while the model is down: its run pauses on a model failure, to be taken up again.
 */
const flaky = defineAgent({
  id: 'flaky',
  name: 'Flaky',
  model: Model.fromAsyncIterable('flaky-model', async function* (request): AsyncIterable<Model.ModelChunk> {
    const results = toolResults(request.messages)
    if (results.length === 0) {
      yield { _tag: 'ToolCall', call: { id: 'call_transfer', name: 'transfer', args: { amount: 3 } } }
      return
    }
    if (!modelStatus.up)
      throw new ModelError({
        model: 'flaky-model',
        reason: '503 Service Unavailable',
        status: 503,
        retryable: true,
      })
    yield { _tag: 'TextDelta', text: `Done: ${results.join(' | ')}` }
  }),
  tools: [transfer],
})

/** Its call waits a second for an approver, then expires: the sweeper rejects it, and the run goes on. */
const expiring = defineAgent({
  id: 'expiring',
  name: 'Expiring',
  model: callingOnce('transfer_soon', { amount: 5 }),
  tools: [
    Tool.make({
      name: 'transfer_soon',
      description: 'Move money, if approved within a second',
      parameters: Schema.Struct({ amount: Schema.Number }),
      approval: approval({ type: 'required', expiresIn: '1 second', onExpire: 'reject' }),
      execute: ({ amount }, ctx) => {
        recordCall(ctx)
        return `moved ${amount}`
      },
    }),
  ],
})

const assistant = defineAgent({
  id: 'assistant',
  name: 'Assistant',
  model: callingOnce('transfer', { amount: 100 }),
  tools: [transfer],
})

const finance = defineAgent({
  id: 'finance',
  name: 'Finance',
  model: callingOnce('process_refund', { amount: 500 }),
  tools: [processRefund],
})

/** Exports run at once, each recorded for audit. */
const exporter = defineAgent({
  id: 'exporter',
  name: 'Exporter',
  model: callingOnce('export_customer_data', { customer: 'C-1042' }),
  tools: [
    Tool.make({
      name: 'export_customer_data',
      description: "Export a customer's data",
      parameters: Schema.Struct({ customer: Schema.String }),
      approval: approval({ type: 'audit' }),
      execute: ({ customer }) => `exported ${customer}`,
    }),
  ],
})

/** Two refunds at once: its run pauses on two approvals. */
const refunds = defineAgent({
  id: 'refunds',
  name: 'Refunds',
  model: calling([
    { name: 'process_refund', args: { amount: 10 } },
    { name: 'process_refund', args: { amount: 20 } },
  ]),
  tools: [processRefund],
})

/** Its approvals are for admins only: an approver who is not one is NotAllowedToResolve. */
const treasury = defineAgent({
  id: 'treasury',
  name: 'Treasury',
  model: callingOnce('wire_funds', { amount: 9000 }),
  tools: [
    Tool.make({
      name: 'wire_funds',
      description: 'Wire funds abroad',
      parameters: Schema.Struct({ amount: Schema.Number }),
      approval: approval({ type: 'required', approvers: (principal) => principal.roles.includes('admin') }),
      execute: ({ amount }) => `wired ${amount}`,
    }),
  ],
})

/** A payment tool of `name`, asking people as `flags` say: it answers with what it paid. */
const paymentTool = (name: string, flags: Tool.HitlFlags) =>
  Tool.make({
    name,
    description: 'Pay money to an account',
    parameters: Schema.Struct({
      to: Schema.String,
      amount: Schema.Number,
      memo: Schema.optional(Schema.String),
    }),
    ...flags,
    execute: ({ to, amount, memo }) => `wired ${amount} to ${to}${memo === undefined ? '' : ` (${memo})`}`,
  })

/** Its wire asks the requester for a memo, then an approver for sign-off of the call as it will run. */
const payments = defineAgent({
  id: 'payments',
  name: 'Payments',
  model: callingOnce('wire', { to: 'acct-legit', amount: 10 }),
  tools: [paymentTool('wire', { userInputFields: ['memo'], approval: approval({ type: 'required' }) })],
})

/** The requester fills in the whole payout; amounts over 100 need an approval, as a policy says. */
const payouts = defineAgent({
  id: 'payouts',
  name: 'Payouts',
  model: callingOnce('payout', { to: 'acct-legit', amount: 50 }),
  tools: [paymentTool('payout', { requiresUserInput: true })],
  policies: [
    Policy.make('payouts over 100 need an approval', ({ call }) =>
      typeof call.args['amount'] === 'number' && call.args['amount'] > 100 ? [RequiredApproval.need({})] : [],
    ),
  ],
})

const slow = defineAgent({
  id: 'slow',
  name: 'Slow',
  model: callingOnce('slow_task', {}),
  tools: [
    Tool.make({
      name: 'slow_task',
      description: 'Takes until the test says so',
      parameters: Schema.Struct({}),
      execute: async () => {
        console.log('slow-entered')
        await release.opened
        return 'finished'
      },
    }),
  ],
})

/** Its approved call is held like `slow_task`'s: the run is still working when its decider is answered. */
const vault = defineAgent({
  id: 'vault',
  name: 'Vault',
  model: callingOnce('open_vault', {}),
  tools: [
    Tool.make({
      name: 'open_vault',
      description: 'Opens the vault, once approved, when the test says so',
      parameters: Schema.Struct({}),
      approval: approval({ type: 'required' }),
      execute: async () => {
        console.log('vault-entered')
        await release.opened
        return 'opened'
      },
    }),
  ],
})

/** Records its call in the ledger, then holds until released: a server killed meanwhile leaves its run interrupted. */
const hold = (requiresConfirmation: boolean) =>
  Tool.make({
    name: 'hold',
    description: 'Holds funds until the test says so',
    parameters: Schema.Struct({}),
    requiresConfirmation,
    execute: async (_args, ctx) => {
      recordCall(ctx)
      console.log(`held ${ctx.runId}`)
      await release.opened
      return 'held'
    },
  })

const holder = defineAgent({
  id: 'holder',
  name: 'Holder',
  model: callingOnce('hold', {}),
  tools: [hold(false)],
})

const guardedHolder = defineAgent({
  id: 'guarded_holder',
  name: 'Guarded holder',
  model: callingOnce('hold', {}),
  tools: [hold(true)],
})

/** How many bulky tool calls a `chatty` run makes once continued, and how large each result is. */
const chattyCalls = 60
const chunkResult = 'x'.repeat(2048)

/** Pauses on a confirmation, then makes many calls with bulky results: a run that emits much. */
const chatty = defineAgent({
  id: 'chatty',
  name: 'Chatty',
  model: ScriptedModel.make((request) => {
    const results = toolResults(request.messages)
    if (results.length === 0) return { toolCalls: [{ name: 'begin', args: {} }] }
    if (results.length === 1)
      return {
        toolCalls: Array.from({ length: chattyCalls }, (_, index) => ({ name: 'chunk', args: { index } })),
      }
    return `Done: ${results.length - 1} chunks`
  }),
  tools: [
    Tool.make({
      name: 'begin',
      description: 'Asks before the chatter',
      parameters: Schema.Struct({}),
      requiresConfirmation: true,
      execute: () => 'begun',
    }),
    Tool.make({
      name: 'chunk',
      description: 'A bulky result',
      parameters: Schema.Struct({ index: Schema.Number }),
      execute: ({ index }) => `${index}:${chunkResult}`,
    }),
  ],
})

const worker = defineAgent({
  id: 'worker',
  name: 'Worker',
  model: callingOnce('transfer', { amount: 7 }),
  tools: [transfer],
})

const support = defineTeam({
  id: 'support',
  name: 'Support team',
  model: callingOnce('delegate_task_to_member', { member_id: 'worker', task: 'Move 7' }),
  members: [worker],
})

/** The sign-in table, which the `grant` and `revoke` commands change while the server runs. */
const tokenTable: Record<string, PrincipalInput> = {
  'alice-token': tokens.alice,
  'bob-token': tokens.bob,
  'ann-token': tokens.ann,
  'grace-token': tokens.grace,
  'root-token': tokens.root,
}

/** Limits a test reaches in a few calls, each with a request or two to spare for checking. */
const tightLimits = {
  maxBatchSize: 5,
  maxSubscriptionsPerSocket: 3,
  maxConcurrentRuns: 2,
  rateLimit: { perSecond: 1, burst: 30 },
  maxJsonDepth: 8,
}

const server = createServer({
  ...(store === undefined ? {} : { store }),
  agents: [
    assistant,
    chatty,
    expiring,
    exporter,
    finance,
    flaky,
    guardedHolder,
    holder,
    payments,
    payouts,
    refunds,
    slow,
    treasury,
    vault,
  ],
  teams: [support],
  sweepEvery: sweepEvery ?? false,
  ...(sweeperLease === undefined ? {} : { sweeperLease }),
  sweeperName: `pid-${process.pid}`,
  // Looked up at each call: a token the test revokes stops working at once.
  authenticate: (token) => staticTokens(tokenTable)(token),
  reauthenticateMs: 50,
  ...(tight ? tightLimits : {}),
  maxBodySize: 64 * 1024,
  maxPayload: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  resumeOnDecision: !manualResume,
  ...(writerLease === undefined ? {} : { writerLease }),
})

const sockets = new Set<Duplex>()
server.httpServer.on('upgrade', (_req, socket: Duplex) => {
  sockets.add(socket)
  socket.once('close', () => sockets.delete(socket))
})

createInterface({ input: process.stdin }).on('line', (command) => {
  if (command === 'release') release.open()
  if (command === 'model-up') {
    modelStatus.up = true
    console.log('model up')
  }
  const [verb, token, user] = command.split(' ')
  if (verb === 'grant' && token !== undefined && user !== undefined && Object.hasOwn(tokens, user)) {
    tokenTable[token] = tokens[user as FixtureUser]
    console.log(`granted ${token}`)
  }
  if (verb === 'revoke' && token !== undefined) {
    delete tokenTable[token]
    console.log(`revoked ${token}`)
  }
  if (command === 'drop-sockets') {
    const count = sockets.size
    for (const socket of sockets) socket.destroy()
    console.log(`dropped ${count}`)
  }
})

process.once('SIGTERM', () => {
  const closed = server.close()
  // close() refuses new work from its first step: the test may check that from here on.
  console.log('closing')
  void closed.then(async () => {
    await store?.close()
    console.log('closed')
    process.exit(0)
  })
})

const listening = await server.listen(port, '127.0.0.1')
console.log(`listening ${listening.port}`)
