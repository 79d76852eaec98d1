import { describe, expect, it } from 'vitest'
import {
  Agent,
  approval,
  Countersign,
  DefinitionError,
  defineAgent,
  MemoryStore,
  type RunStore,
  RequirementAlreadyResolved,
  Resolutions,
  RunNotFound,
  type RunEvent,
  ScriptedModel,
  Tool,
} from '../src/index.js'
import { Schema } from 'effect'
import { deleteFileTool, makeLedger, rejectionOf, single } from './fixtures.js'

/** The Promise API a server hosts: what it adds over an agent's own methods. */

const cleaner = () => {
  const ledger = makeLedger()
  const agent = defineAgent({
    id: 'cleaner',
    model: ScriptedModel.make([{ toolCalls: [{ name: 'delete_file', args: { path: 'a.txt' } }] }, 'Cleaned']),
    tools: [deleteFileTool(ledger)],
  })
  return { app: new Countersign({ agents: [agent], sweepEvery: false }), ledger }
}

describe('Countersign', () => {
  it('resolve records a decision without continuing; continue then uses it; a second decision is refused', async () => {
    const { app, ledger } = cleaner()
    const paused = await app.run('cleaner', 'Clean up')
    const requirement = single(paused.activeRequirements)

    const [record] = await app.resolve(paused.runId, [Resolutions.confirm(requirement.id)])
    expect(record).toMatchObject({ id: requirement.id, status: 'resolved' })
    expect((await app.getRun(paused.runId)).status).toBe('paused')
    expect(ledger.count('delete_file')).toBe(0)
    expect(await rejectionOf(app.resolve(paused.runId, [Resolutions.reject(requirement.id)]))).toBeInstanceOf(
      RequirementAlreadyResolved,
    )

    expect(await app.continueRun({ runId: paused.runId })).toMatchObject({
      status: 'completed',
      content: 'Cleaned',
    })
    expect(ledger.count('delete_file')).toBe(1)
    await app.dispose()
  })

  it('a follower stopped while it waits for a live event is released at once', async () => {
    const { app } = cleaner()
    const paused = await app.run('cleaner', 'Clean up')
    const stored = []
    for await (const event of app.followRun(paused.runId)) stored.push(event)
    expect(stored.at(-1)?._tag).toBe('RunPaused')
    const iterator = app.followRun(paused.runId, stored.at(-1)?.seq)[Symbol.asyncIterator]()
    const waiting = iterator.next()
    // Nothing will come for a paused run: return() must not wait for the pending next().
    expect(await iterator.return?.()).toStrictEqual({ done: true, value: undefined })
    expect(await waiting).toStrictEqual({ done: true, value: undefined })
    expect(await iterator.next()).toStrictEqual({ done: true, value: undefined })
    await app.dispose()
  })

  it('following a run that does not exist fails with RunNotFound', async () => {
    const { app } = cleaner()
    const following = app.followRun('run-that-does-not-exist')[Symbol.asyncIterator]().next()
    expect(await rejectionOf(following)).toBeInstanceOf(RunNotFound)
    await app.dispose()
  })

  it("a run's listener hears it continue before the continued call runs, not after the run's next stop", async () => {
    const heard: Array<string> = []
    const agent = defineAgent({
      id: 'cleaner',
      model: ScriptedModel.make([
        { toolCalls: [{ name: 'delete_file', args: { path: 'a.txt' } }] },
        'Cleaned',
      ]),
      tools: [
        Tool.make({
          name: 'delete_file',
          description: 'Delete a file',
          parameters: Schema.Struct({ path: Schema.String }),
          requiresConfirmation: true,
          execute: ({ path }) => {
            heard.push('delete_file ran')
            return `deleted ${path}`
          },
        }),
      ],
    })
    const app = new Countersign({ agents: [agent], sweepEvery: false })
    const paused = await app.run('cleaner', 'Clean up')
    const confirmed = [Resolutions.confirm(single(paused.activeRequirements).id)]
    for await (const event of app.continueRunStream({ runId: paused.runId, resolutions: confirmed }))
      heard.push(event._tag)
    expect(heard.slice(0, 4)).toEqual([
      'RequirementResolved',
      'RunContinued',
      'ToolCallStarted',
      'delete_file ran',
    ])
    expect(heard.at(-1)).toBe('RunCompleted')
    await app.dispose()
  })

  it("with until 'end', a follower goes through the run's pauses to its ending, each event once and in order", async () => {
    const { app } = cleaner()
    const paused = await app.run('cleaner', 'Clean up')
    const heard: Array<RunEvent> = []
    let live!: () => void
    const following = new Promise<void>((resolve) => (live = resolve))
    const follower = (async () => {
      for await (const event of app.followRun(paused.runId, 0, { until: 'end' })) {
        heard.push(event)
        if (event._tag === 'RunPaused') live()
      }
    })()
    await following
    await app.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(single(paused.activeRequirements).id)],
    })
    await follower
    const tags = heard.map((event) => event._tag)
    expect(tags.indexOf('RunPaused')).toBeLessThan(tags.indexOf('RunContinued'))
    expect(tags.at(-1)).toBe('RunCompleted')
    expect(heard.map((event) => event.seq)).toEqual(heard.map((_, index) => index + 1))

    // Once it has ended: all of it from the start, and nothing after its ending.
    const replayed = []
    for await (const event of app.followRun(paused.runId, 0, { until: 'end' })) replayed.push(event)
    expect(replayed).toEqual(heard)
    for await (const event of app.followRun(paused.runId, heard.at(-1)!.seq, { until: 'end' }))
      expect.unreachable(`nothing follows the ending, got ${event._tag}`)
    await app.dispose()
  })
})

describe("an Agent's own store", () => {
  const refundAgent = (store?: RunStore) =>
    new Agent({
      id: `refunds`,
      model: ScriptedModel.make([{ toolCalls: [{ name: 'refund', args: { amount: 500 } }] }, 'Done.']),
      tools: [
        Tool.make({
          name: 'refund',
          description: 'Refund',
          parameters: Schema.Struct({ amount: Schema.Number }),
          approval: approval({ type: 'required' }),
          execute: ({ amount }) => `refunded ${amount}`,
        }),
      ],
      ...(store === undefined ? {} : { store }),
    })

  it('is where Countersign keeps runs when given none: what the agent paused is in the approval queue', async () => {
    const agent = refundAgent()
    const paused = await agent.run('refund 500')
    const app = new Countersign({ agents: [agent], sweepEvery: false })
    expect(app.store).toBe(agent.store)
    const { approvals } = await app.approvals.list({ status: 'pending' })
    expect(approvals.map((approval) => approval.runId)).toEqual([paused.runId])
    await app.dispose()
  })

  it('must be one store for all: agents on different stores are a DefinitionError unless a store is given', () => {
    expect(
      () =>
        new Countersign({
          agents: [refundAgent(), new Agent({ id: 'other', model: ScriptedModel.make([]) })],
        }),
    ).toThrow(DefinitionError)
    const store = MemoryStore.make()
    expect(
      new Countersign({
        agents: [refundAgent(), new Agent({ id: 'other', model: ScriptedModel.make([]) })],
        store,
      }).store,
    ).toBe(store)
  })
})
