import { it } from '@effect/vitest'
import { Context, Effect, Exit, Layer, Option, Scope, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import { MemoryStore, RunEngine, type RunStore, Sweeper } from '../src/index.js'
import { engineOver, expiringRefundAgent, makeLedger } from './fixtures.js'

/*
 * Processes sharing a store elect one sweeper with a lease in the store: only its holder sweeps,
 * and another takes over once the holder stops renewing it (it died). The TestClock drives time.
 */

const minute = 60_000

/** A process over the shared store, sweeping every minute (lease: three minutes); `passes` counts its sweeps. */
const startProcess = (shared: RunStore, agents: Parameters<typeof Sweeper.layer>[0]) =>
  Effect.gen(function* () {
    const counted = { passes: 0 }
    const store: RunStore = {
      ...shared,
      listExpired: (now, limit) => Effect.suspend(() => (counted.passes++, shared.listExpired(now, limit))),
    }
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      Sweeper.layer(agents, { every: '1 minute' }).pipe(Layer.provideMerge(engineOver(store))),
      scope,
    )
    return { counted, engine: Context.get(context, RunEngine.RunEngine), kill: Scope.close(scope, Exit.void) }
  })

describe('the sweeper lease', () => {
  it.effect(
    'of three processes one sweeps; when it dies another takes over, and an expiry happens once',
    () =>
      Effect.gen(function* () {
        const shared = MemoryStore.make()
        const ledger = makeLedger()
        const agent = expiringRefundAgent(ledger, 'reject')
        const processes = [
          yield* startProcess(shared, [agent]),
          yield* startProcess(shared, [agent]),
          yield* startProcess(shared, [agent]),
        ]
        for (let tick = 0; tick < 5; tick++) yield* TestClock.adjust(minute)
        const sweeping = processes.filter(({ counted }) => counted.passes > 0)
        expect(sweeping).toHaveLength(1)
        expect(sweeping[0]!.counted.passes).toBeGreaterThanOrEqual(5)

        // The holder dies: within its lease nobody sweeps, then one of the others does.
        const [holder] = sweeping
        yield* holder!.kill
        const others = processes.filter((process) => process !== holder)
        const before = others.map(({ counted }) => counted.passes)
        expect(before).toStrictEqual([0, 0])
        const paused = yield* others[0]!.engine.run(agent, 'refund 500')
        yield* TestClock.adjust(2 * minute)
        expect(others.map(({ counted }) => counted.passes)).toStrictEqual([0, 0])
        yield* TestClock.adjust(2 * minute)
        expect(others.filter(({ counted }) => counted.passes > 0)).toHaveLength(1)

        // The run's approval expires an hour after it was raised: closed once, by one sweeper.
        for (let tick = 0; tick < 60; tick++) yield* TestClock.adjust(minute)
        const events = yield* shared.readEvents(paused.runId, 0)
        const expired = events.filter((event) => event._tag === 'RequirementResolved')
        expect(expired).toHaveLength(1)
        expect(expired[0]).toMatchObject({ lapsed: 'expired', resolvedBy: { id: 'countersign:sweeper' } })
        expect(events.filter((event) => event._tag === 'RunContinued')).toHaveLength(1)
        expect(Option.getOrThrow(yield* shared.getRun(paused.runId)).status).toBe('completed')
        expect(ledger.calls).toEqual([])
        for (const process of others) yield* process.kill
      }),
  )
})
