import { Effect, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  EngineStopped,
  MemoryStore,
  Resolutions,
  ScriptedModel,
  Tool,
  type RunStore,
} from '../src/index.js'
import { collect, gate, makeLedger, weatherTool } from './fixtures.js'

const script = [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Lima' } }] }, 'Mild.']

/** The memory store, holding the run's first paused commit after it is written and before the engine hears back. */
const holdingPausedCommit = () => {
  const store = MemoryStore.make()
  const committed = gate()
  const release = gate()
  let held = false
  let runId = ''
  const holding: RunStore = {
    ...store,
    commit: (batch, run, requirements) =>
      Effect.zipRight(
        store.commit(batch, run, requirements),
        held || run.status !== 'paused'
          ? Effect.void
          : Effect.suspend(() => {
              held = true
              runId = run.runId
              committed.open()
              return Effect.promise(() => release.opened)
            }),
      ),
  }
  return { store: holding, committed: committed.opened.then(() => runId), release: release.open }
}

describe('a continue that arrives while the pause is still being published', () => {
  it('is handed to the pausing fiber, and its stream neither ends on the old pause nor misses an event', async () => {
    const ledger = makeLedger()
    const { store, committed, release } = holdingPausedCommit()
    const agent = new Agent({
      id: 'weather',
      model: ScriptedModel.make(script),
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
      store,
    })
    const first = collect(agent.runStream('weather in Lima?'))
    const runId = await committed
    const [requirement] = await Effect.runPromise(store.listRequirements(runId))
    const continuing = collect(
      agent.continueRunStream({ runId, resolutions: [Resolutions.confirm(requirement!.id)] }),
    )
    release()
    const [before, after] = await Promise.all([first, continuing])

    expect(before.at(-1)?._tag).toBe('RunPaused')
    expect(after.map((event) => event._tag)).toEqual([
      'RequirementResolved',
      'RunContinued',
      'ToolCallStarted',
      'ToolCallCompleted',
      'ModelRequestStarted',
      'RunContent',
      'ModelRequestCompleted',
      'RunCompleted',
    ])
    expect([...before, ...after].map((event) => event.seq)).toEqual(
      Array.from({ length: before.length + after.length }, (_, index) => index + 1),
    )
    expect(ledger.count('get_the_weather')).toBe(1)
  })
})

describe('disposing an agent while a run is working', () => {
  it('settles the run promise with EngineStopped and leaves the run in the store as it was', async () => {
    const entered = gate()
    const store = MemoryStore.make()
    const slow = Tool.make({
      name: 'slow',
      description: 'Takes a while',
      parameters: Schema.Struct({}),
      execute: async () => {
        entered.open()
        await new Promise<never>(() => {})
      },
    })
    const agent = new Agent({
      id: 'slow',
      model: ScriptedModel.make([{ toolCalls: [{ name: 'slow' }] }, 'Done.']),
      tools: [slow],
      store,
    })
    const running = agent.run('go').then(
      () => undefined,
      (error: unknown) => error,
    )
    await entered.opened
    await agent.dispose()
    expect(await running).toBeInstanceOf(EngineStopped)
    const later = new Agent({ id: 'slow', model: ScriptedModel.make([]), tools: [slow], store })
    const { runId } = (await running) as EngineStopped
    const events = await Effect.runPromise(store.readEvents(runId, 0))
    expect(events.at(-1)?._tag).toBe('ToolCallStarted')
    expect((await later.getRun(runId)).status).toBe('running')
  })
})
