import { Context, Effect, Layer, Schema, TestClock } from 'effect'
import { expect } from 'vitest'
import {
  Agent,
  approval,
  defineAgent,
  MemoryStore,
  ScriptedModel,
  Tool,
  IdGenerator,
  RunEngine,
  RunStore,
  type AgentOptions,
  type Policy,
} from '../src/index.js'

/** Counts executions per tool, with the arguments and idempotency keys they ran with. */
export const makeLedger = () => {
  const calls: Array<{ tool: string; args: unknown; idempotencyKey: string }> = []
  return {
    calls,
    count: (tool: string) => calls.filter((call) => call.tool === tool).length,
    record: (tool: string, args: unknown, idempotencyKey: string) =>
      void calls.push({ tool, args, idempotencyKey }),
  }
}
export type Ledger = ReturnType<typeof makeLedger>

/** Agno's test tool: the weather, as a fixed sentence. */
export const weatherTool = (ledger: Ledger, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name: 'get_the_weather',
    description: 'Get the current weather in a city',
    parameters: Schema.Struct({ city: Schema.String, temperature: Schema.optional(Schema.Number) }),
    ...flags,
    execute: ({ city }, ctx) => {
      ledger.record('get_the_weather', { city }, ctx.idempotencyKey)
      return `It is currently 70 degrees and cloudy in ${city}`
    },
  })

export const sendEmailTool = (ledger: Ledger, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name: 'send_email',
    description: 'Send an email',
    parameters: Schema.Struct({ to: Schema.String, subject: Schema.String, body: Schema.String }),
    ...flags,
    execute: (args, ctx) => {
      ledger.record('send_email', args, ctx.idempotencyKey)
      return `sent to ${args.to}`
    },
  })

/** A gated tool for the mixed batch: a confirmation-required call beside a free one. */
export const deleteFileTool = (ledger: Ledger) =>
  Tool.make({
    name: 'delete_file',
    description: 'Delete a file',
    parameters: Schema.Struct({ path: Schema.String }),
    requiresConfirmation: true,
    execute: ({ path }, ctx) => {
      ledger.record('delete_file', { path }, ctx.idempotencyKey)
      return `deleted ${path}`
    },
  })

export const listFilesTool = (ledger: Ledger) =>
  Tool.make({
    name: 'list_files',
    description: 'List files',
    parameters: Schema.Struct({}),
    execute: (_args, ctx) => {
      ledger.record('list_files', {}, ctx.idempotencyKey)
      return ['a.txt', 'b.txt']
    },
  })

/** An agent on a scripted model; pass the same store to a second agent to resume "cold". */
export const scriptedAgent = (
  script: Parameters<typeof ScriptedModel.make>[0],
  options: Omit<AgentOptions, 'id' | 'model'> & { readonly store?: RunStore } = {},
) => {
  const store = options.store ?? MemoryStore.make()
  const model = ScriptedModel.make(script)
  return { agent: new Agent({ id: 'assistant', ...options, model, store }), model, store }
}

/** The one item of a list, asserting there is exactly one. */
export const single = <A>(items: ReadonlyArray<A>): A => {
  expect(items).toHaveLength(1)
  return items[0]!
}

/** The last message of the last request the model got: what it was told most recently. */
export const lastToldTo = (model: ScriptedModel.ScriptedModel) => model.requests.at(-1)?.messages.at(-1)

export const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

/** A promise the test opens: holds a tool or a store write at an exact point, without sleeping. */
export const gate = () => {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/** A confirmation-gated `transfer` that, once run, opens `entered` and holds until the test opens `release`. */
export const heldTransfer = () => {
  const entered = gate()
  const release = gate()
  const ledger = makeLedger()
  const tool = Tool.make({
    name: 'transfer',
    description: 'Move money',
    parameters: Schema.Struct({ amount: Schema.Number }),
    requiresConfirmation: true,
    execute: async (args, ctx) => {
      ledger.record('transfer', args, ctx.idempotencyKey)
      entered.open()
      await release.opened
      return 'moved'
    },
  })
  return { tool, entered, release, ledger }
}

/** Why a promise expected to reject rejected; a fulfilment fails the test. */
export const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection, but the promise fulfilled')
    },
    (error: unknown) => error,
  )

/** A finance agent whose refunds need an approval that expires after an hour; it says what it was told. */
export const expiringRefundAgent = (
  ledger: Ledger,
  onExpire: 'reject' | 'cancel',
  policies: ReadonlyArray<Policy.Policy> = [],
) =>
  defineAgent({
    id: 'finance',
    model: ScriptedModel.make((request) =>
      request.messages.some((m) => m._tag === 'Tool')
        ? `Told: ${request.messages.findLast((m) => m._tag === 'Tool')?.content ?? ''}`
        : { toolCalls: [{ name: 'process_refund', args: { amount: 500 } }] },
    ),
    tools: [
      Tool.make({
        name: 'process_refund',
        description: 'Refund',
        parameters: Schema.Struct({ amount: Schema.Number }),
        approval: approval({ type: 'required', expiresIn: '1 hour', onExpire }),
        execute: (args, ctx) => void ledger.record('process_refund', args, ctx.idempotencyKey),
      }),
    ],
    policies,
  })

/** An engine over `store`: building it again is a restart, with nothing carried over but the store. */
export const engineOver = (store: RunStore, options: RunEngine.EngineOptions = {}) =>
  RunEngine.layerWith(options).pipe(
    Layer.provideMerge(Layer.succeed(RunStore, store)),
    Layer.provideMerge(IdGenerator.layer),
  )

/** An engine over `store`, built in the test's scope: what another server process sharing the store would run. */
export const engineOn = (store: RunStore, options: RunEngine.EngineOptions = {}) =>
  Effect.map(Layer.build(engineOver(store, options)), (context) => Context.get(context, RunEngine.RunEngine))

/** Lets forked fibers run until one of them sleeps on the TestClock (a follower waiting for its next read). */
export const untilSleeping = Effect.gen(function* () {
  for (let turn = 0; turn < 10_000 && (yield* TestClock.sleeps()).length === 0; turn++)
    yield* Effect.yieldNow()
  expect((yield* TestClock.sleeps()).length).toBeGreaterThan(0)
})
