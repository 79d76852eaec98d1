import { Effect, Option, Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import {
  Agent,
  EngineStopped,
  MemoryStore,
  Model,
  RunBusy,
  RunClaimed,
  RunNotContinuable,
  ScriptedModel,
  Tool,
  type RunLease,
  type RunStore,
} from '../src/index.js'
import { collect, gate, makeLedger, type Ledger } from './fixtures.js'

const agents: Array<Agent> = []
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.dispose()))
})

/**
 * A refund agent over `store`; its `refund` needs confirmation. Given a hold, `refund` opens
 * `entered` once running and waits in it until `release` opens.
 */
const refundAgent = (
  store: RunStore,
  ledger: Ledger,
  hold?: { readonly entered: { open: () => void }; readonly release: Promise<void> },
  writerLease?: number,
) => {
  const refund = Tool.make({
    name: 'refund',
    description: 'Refund an order',
    parameters: Schema.Struct({ orderId: Schema.String }),
    requiresConfirmation: true,
    execute: async ({ orderId }, ctx) => {
      ledger.record('refund', { orderId }, ctx.idempotencyKey)
      hold?.entered.open()
      await hold?.release
      return `refunded ${orderId}`
    },
  })
  const model = ScriptedModel.make([
    { content: 'Refunding.', toolCalls: [{ name: 'refund', args: { orderId: 'A-1' } }] },
    'Done.',
  ])
  const agent = new Agent({
    id: 'refunds',
    model,
    tools: [refund],
    store,
    ...(writerLease === undefined ? {} : { writerLease }),
  })
  agents.push(agent)
  return { agent, model }
}

/**
 * A run whose writer died inside `refund`, after its claim: the engine that ran it stopped while
 * the tool was running, as a killed process would leave it.
 */
const diedInTool = async () => {
  const store = MemoryStore.make()
  const ledger = makeLedger()
  const entered = gate()
  const first = refundAgent(store, ledger, { entered, release: new Promise<void>(() => undefined) })
  const paused = await first.agent.run('refund A-1')
  paused.activeRequirements[0]!.confirm()
  const working = first.agent.continueRun(paused)
  await entered.opened
  await first.agent.dispose()
  await expect(working).rejects.toBeInstanceOf(EngineStopped)
  return { store, ledger, runId: paused.runId, key: `${paused.runId}:call_1_1` }
}

describe('a run whose writer died during a tool call', () => {
  it('is reported running, the call started and not completed', async () => {
    const { store, ledger, runId } = await diedInTool()
    const { agent } = refundAgent(store, ledger)

    const output = await agent.getRun(runId)

    expect(output.status).toBe('running')
    // Its engine ended its lease as it stopped: the run is interrupted at once.
    expect(output.interrupted).toBe(true)
    expect(output.toolExecutions.map(({ toolName, status }) => [toolName, status])).toStrictEqual([
      ['refund', 'started'],
    ])
    expect(ledger.count('refund')).toBe(1)
    // Not continued as if paused: only a recovery decides what becomes of the call.
    await expect(agent.continueRun({ runId })).rejects.toBeInstanceOf(RunNotContinuable)
    expect(ledger.count('refund')).toBe(1)
  })

  it('is cancelled once interrupted, the call not run again', async () => {
    const { store, ledger, runId } = await diedInTool()
    const { agent } = refundAgent(store, ledger)

    const cancelled = await agent.cancelRun(runId)

    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.interrupted).toBe(false)
    expect(ledger.count('refund')).toBe(1)
  })

  it("is neither recovered nor cancelled by another engine while its writer's lease holds", async () => {
    const store = MemoryStore.make()
    const ledger = makeLedger()
    const [entered, release] = [gate(), gate()]
    const first = refundAgent(store, ledger, { entered, release: release.opened })
    const paused = await first.agent.run('refund A-1')
    paused.activeRequirements[0]!.confirm()
    const working = first.agent.continueRun(paused)
    await entered.opened
    const second = refundAgent(store, ledger)

    expect((await second.agent.getRun(paused.runId)).interrupted).toBe(false)
    await expect(second.agent.recoverRun(paused.runId, { interruptedCalls: 'retry' })).rejects.toBeInstanceOf(
      RunBusy,
    )
    await expect(second.agent.cancelRun(paused.runId)).rejects.toBeInstanceOf(RunBusy)
    release.open()

    expect((await working).status).toBe('completed')
    expect(ledger.count('refund')).toBe(1)
  })

  it('a writer working past its lease renews it, and is not overtaken until it stops', async () => {
    const store = MemoryStore.make()
    const writerLease = 90
    // Each renewal is counted as it is stored; the fourth comes once the claim's own lease is past.
    const renewals: Array<RunLease> = []
    const renewedFourTimes = gate()
    const counting: RunStore = {
      ...store,
      renewLease: (lease) =>
        Effect.tap(store.renewLease(lease), () =>
          Effect.sync(() => {
            if (renewals.push(lease) === 4) renewedFourTimes.open()
          }),
        ),
    }
    const ledger = makeLedger()
    const [entered, release] = [gate(), gate()]
    const first = refundAgent(counting, ledger, { entered, release: release.opened }, writerLease)
    const paused = await first.agent.run('refund A-1')
    paused.activeRequirements[0]!.confirm()
    const working = first.agent.continueRun(paused)
    await entered.opened
    const claimed = Option.getOrThrow(await Effect.runPromise(store.getLease(paused.runId)))

    await renewedFourTimes.opened

    expect(Date.now()).toBeGreaterThan(claimed.expiresAt)
    expect(renewals.map(({ runId, claimSeq }) => ({ runId, claimSeq }))).toStrictEqual(
      Array.from({ length: 4 }, () => ({ runId: paused.runId, claimSeq: claimed.claimSeq })),
    )
    expect(renewals.every(({ expiresAt }) => expiresAt > claimed.expiresAt)).toBe(true)
    const second = refundAgent(store, ledger)
    expect((await second.agent.getRun(paused.runId)).interrupted).toBe(false)
    await expect(second.agent.recoverRun(paused.runId, { interruptedCalls: 'retry' })).rejects.toBeInstanceOf(
      RunBusy,
    )
    release.open()

    expect((await working).status).toBe('completed')
    expect(Option.isNone(await Effect.runPromise(store.getLease(paused.runId)))).toBe(true)
    expect(ledger.count('refund')).toBe(1)
  })

  it("recovered with 'ask', pauses for a person before running the call again, with the same idempotency key", async () => {
    const { store, ledger, runId, key } = await diedInTool()
    const { agent } = refundAgent(store, ledger)

    const asked = await agent.recoverRun(runId, { interruptedCalls: 'ask' })

    expect(asked.status).toBe('paused')
    const [question] = asked.activeRequirements
    expect(question?.kind).toBe('interrupted_call')
    expect(question?.request).toMatchObject({ args: { orderId: 'A-1' }, idempotencyKey: key })
    expect(ledger.count('refund')).toBe(1)

    question!.confirm()
    const done = await agent.continueRun(asked)

    expect(done.status).toBe('completed')
    expect(ledger.calls.map(({ idempotencyKey }) => idempotencyKey)).toStrictEqual([key, key])
  })

  it("recovered with 'ask' and declined, does not run the call, and tells the model", async () => {
    const { store, ledger, runId } = await diedInTool()
    const { agent, model } = refundAgent(store, ledger)
    const asked = await agent.recoverRun(runId, { interruptedCalls: 'ask' })

    asked.activeRequirements[0]!.reject('Checked with the bank: the refund went through.')
    const done = await agent.continueRun(asked)

    expect(done.status).toBe('completed')
    expect(ledger.count('refund')).toBe(1)
    expect(model.requests.at(-1)?.messages.at(-1)).toMatchObject({
      _tag: 'Tool',
      outcome: 'skipped',
      content: 'Checked with the bank: the refund went through.',
    })
  })

  it("recovered with 'retry', runs the call again at once with the same idempotency key", async () => {
    const { store, ledger, runId, key } = await diedInTool()
    const { agent } = refundAgent(store, ledger)

    const events = await collect(agent.recoverRunStream(runId, { interruptedCalls: 'retry' }))

    expect(events[0]).toMatchObject({ _tag: 'RunRecovered', interruptedToolCallIds: ['call_1_1'] })
    expect(events.at(-1)?._tag).toBe('RunCompleted')
    expect(ledger.calls.map(({ idempotencyKey }) => idempotencyKey)).toStrictEqual([key, key])
    const output = await agent.getRun(runId)
    expect(output.toolExecutions.map(({ status }) => status)).toStrictEqual(['completed'])
    // Numbering goes on after what the dead writer stored.
    const seqs = events.map(({ seq }) => seq)
    expect(seqs).toStrictEqual(seqs.map((_, index) => seqs[0]! + index))
  })

  it('only a run that is working can be recovered, and not while this engine works on it', async () => {
    const store = MemoryStore.make()
    const ledger = makeLedger()
    const [entered, release] = [gate(), gate()]
    const { agent } = refundAgent(store, ledger, { entered, release: release.opened })
    const paused = await agent.run('refund A-1')

    await expect(agent.recoverRun(paused.runId, { interruptedCalls: 'retry' })).rejects.toBeInstanceOf(
      RunNotContinuable,
    )
    paused.activeRequirements[0]!.confirm()
    const working = agent.continueRun(paused)
    await entered.opened
    await expect(agent.recoverRun(paused.runId, { interruptedCalls: 'retry' })).rejects.toBeInstanceOf(
      RunBusy,
    )
    release.open()
    expect((await working).status).toBe('completed')
  })

  it('a writer that outlived its lease is overtaken: its next write is refused and it stops', async () => {
    const store = MemoryStore.make()
    // The first writer's lease lapses as it is written: a writer stalled past its lease.
    const stalled: RunStore = {
      ...store,
      appendBatch: (batch) =>
        store.appendBatch(
          batch.lease === undefined ? batch : { ...batch, lease: { ...batch.lease, expiresAt: 0 } },
        ),
    }
    const ledger = makeLedger()
    const [entered, release] = [gate(), gate()]
    const first = refundAgent(stalled, ledger, { entered, release: release.opened })
    const paused = await first.agent.run('refund A-1')
    paused.activeRequirements[0]!.confirm()
    const working = first.agent.continueRun(paused)
    await entered.opened

    const second = refundAgent(store, ledger)
    const recovered = await second.agent.recoverRun(paused.runId, { interruptedCalls: 'retry' })
    release.open()

    expect(recovered.status).toBe('completed')
    await expect(working).rejects.toBeInstanceOf(RunClaimed)
    expect(recovered.messages.filter((message) => message._tag === 'Tool')).toHaveLength(1)
    expect(ledger.count('refund')).toBe(2)
    expect((await second.agent.getRun(paused.runId)).status).toBe('completed')
  })
})

describe('model output is stored and published in batches', () => {
  it('streams output while the model is still answering, before its turn ends', async () => {
    const store = MemoryStore.make()
    const more = gate()
    const model = Model.fromAsyncIterable('slow', async function* () {
      yield { _tag: 'TextDelta', text: 'Thinking' } as const
      await more.opened
      yield { _tag: 'TextDelta', text: ' done.' } as const
    })
    const agent = new Agent({ id: 'slow', model, store })
    agents.push(agent)

    const seen: Array<string> = []
    for await (const event of agent.runStream('go')) {
      seen.push(event._tag)
      // The first delta arrives, stored, while the model still holds the rest of its answer.
      if (event._tag === 'RunContent' && event.delta === 'Thinking') more.open()
    }

    expect(seen).toStrictEqual([
      'RunStarted',
      'ModelRequestStarted',
      'RunContent',
      'RunContent',
      'ModelRequestCompleted',
      'RunCompleted',
    ])
  })

  it('a start is two store writes (the run with its first batch, the pause); a resume two (the decision with the claim and the call, the stop)', async () => {
    const base = MemoryStore.make()
    const writes: Array<string> = []
    const counted: RunStore = {
      ...base,
      createRun: (run, first) => (
        writes.push(first === undefined ? 'createRun' : 'createRun+batch'),
        base.createRun(run, first)
      ),
      appendBatch: (batch) => (
        writes.push(
          batch.decisions === undefined ? 'appendBatch' : `appendBatch+${batch.decisions.length} decision`,
        ),
        base.appendBatch(batch)
      ),
      commit: (batch, run, requirements) => (writes.push('commit'), base.commit(batch, run, requirements)),
      resolveRequirement: (runId, id, resolution) => (
        writes.push('resolveRequirement'),
        base.resolveRequirement(runId, id, resolution)
      ),
    }
    const ledger = makeLedger()
    const refund = Tool.make({
      name: 'refund',
      description: 'Refund an order',
      parameters: Schema.Struct({ orderId: Schema.String }),
      requiresConfirmation: true,
      execute: ({ orderId }, ctx) => (ledger.record('refund', { orderId }, ctx.idempotencyKey), 'ok'),
    })
    const model = ScriptedModel.make(() => ({
      content: 'Refunding the next one now.',
      toolCalls: [{ name: 'refund', args: { orderId: 'A-1' } }],
    }))
    const agent = new Agent({ id: 'refunds', model, tools: [refund], store: counted })
    agents.push(agent)
    let output = await agent.run('refund everything')
    expect(writes).toStrictEqual(['createRun+batch', 'commit'])
    writes.length = 0

    for (let cycle = 0; cycle < 3; cycle++) {
      output.activeRequirements[0]!.confirm()
      output = await agent.continueRun(output)
    }

    expect(ledger.count('refund')).toBe(3)
    expect(writes).toStrictEqual(Array(3).fill(['appendBatch+1 decision', 'commit']).flat())
  })
})
