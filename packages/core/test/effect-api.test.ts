import { Effect, Layer } from 'effect'
import { describe, expect, it } from 'vitest'
import { defineAgent, IdGenerator, MemoryStore, Resolutions, RunEngine, ScriptedModel } from '../src/index.js'
import { makeLedger, weatherTool } from './fixtures.js'

/** Predictable ids, to show the id generator is a swappable service. */
const countingIds = Layer.sync(IdGenerator.IdGenerator, () => {
  let next = 0
  return { next: Effect.sync(() => `id-${++next}`) }
})

describe('the Effect API', () => {
  it('runs agent definitions on the RunEngine service, with the store and ids from layers', async () => {
    const ledger = makeLedger()
    const agent = defineAgent({
      id: 'weather',
      model: ScriptedModel.make([
        { toolCalls: [{ name: 'get_the_weather', args: { city: 'Oslo' } }] },
        'Cold.',
      ]),
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
    })
    const program = Effect.gen(function* () {
      const engine = yield* RunEngine.RunEngine
      const paused = yield* engine.run(agent, 'weather in Oslo?')
      const requirement = paused.activeRequirements[0]!
      return yield* engine.continueRun(agent, {
        runId: paused.runId,
        resolutions: [Resolutions.confirm(requirement.id)],
      })
    })
    const done = await Effect.runPromise(
      program.pipe(
        Effect.provide(RunEngine.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(countingIds))),
        Effect.scoped,
      ),
    )
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Cold.')
    expect(done.runId).toMatch(/^id-\d+$/)
    expect(ledger.calls[0]!.idempotencyKey).toBe(`${done.runId}:call_1_1`)
  })

  it('fails with typed errors in the error channel', async () => {
    const agent = defineAgent({ id: 'a', model: ScriptedModel.make(['hi']) })
    const error = await Effect.runPromise(
      Effect.flatMap(RunEngine.RunEngine, (engine) => engine.continueRun(agent, { runId: 'nope' })).pipe(
        Effect.flip,
        Effect.provide(
          RunEngine.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(IdGenerator.layer)),
        ),
      ),
    )
    expect(error._tag).toBe('RunNotFound')
  })
})
