import { it } from '@effect/vitest'
import { Chunk, Effect, Layer, Option, Stream, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import type { RunStore } from '../src/index.js'
import {
  defineAgent,
  MemoryStore,
  Policy,
  RunEngine,
  ScriptedModel,
  Sweeper,
  type AgentDefinition,
} from '../src/index.js'
import { expiringRefundAgent as refundAgent, makeLedger, engineOver } from './fixtures.js'

/*
 * Expiry (Agno stored `expires_at` and never used it): a requirement left undecided past its
 * deadline is closed by the sweeper, which reads what is due from the store, so a new engine
 * (a restart) finds it. The TestClock drives time.
 */

const hour = 3_600_000

const pauseIn = (store: RunStore, agent: AgentDefinition) =>
  Effect.flatMap(RunEngine.RunEngine, (engine) => engine.run(agent, 'refund 500')).pipe(
    Effect.provide(engineOver(store)),
  )

const requirementOf = (store: RunStore, runId: string) =>
  Effect.map(store.listRequirements(runId), (requirements) => requirements[0]!)

describe('expiry', () => {
  it.effect(
    'an approval undecided at its deadline expires after a restart; the run goes on with the call rejected',
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const ledger = makeLedger()
        const agent = refundAgent(ledger, 'reject')
        const paused = yield* pauseIn(store, agent)
        expect(paused.status).toBe('paused')
        expect(yield* requirementOf(store, paused.runId)).toMatchObject({
          expiresAt: hour,
          onExpire: 'reject',
        })
        const lastSeq = (yield* store.getRun(paused.runId)).pipe(Option.getOrThrow).lastSeq

        // A new engine, with its sweeper every minute.
        yield* Effect.scoped(
          Effect.gen(function* () {
            const engine = yield* RunEngine.RunEngine
            yield* TestClock.adjust('59 minutes')
            expect((yield* requirementOf(store, paused.runId)).status).toBe('pending')
            yield* TestClock.adjust('1 minute')
            const events = Chunk.toArray(
              yield* Stream.runCollect(engine.followRun(agent, paused.runId, lastSeq)),
            )
            expect(events.slice(0, 3).map((event) => event._tag)).toEqual([
              'RequirementResolved',
              'RunContinued',
              'ModelRequestStarted',
            ])
            expect(events[0]).toMatchObject({
              _tag: 'RequirementResolved',
              lapsed: 'expired',
              resolvedBy: { id: 'countersign:sweeper' },
            })
            expect(events.at(-1)).toMatchObject({ _tag: 'RunCompleted' })
            const done = yield* engine.getRun(agent, paused.runId)
            expect(done.status).toBe('completed')
            expect(done.content).toContain('expired')
            expect(ledger.calls).toEqual([])
            const approval = Option.getOrThrow(yield* store.getApproval(done.requirements[0]!.id))
            expect(approval).toMatchObject({ status: 'expired', expiresAt: hour, runStatus: 'completed' })
            // The list of runs shows it: counted on the run's record.
            expect(Option.getOrThrow(yield* store.getRun(paused.runId)).decisions).toEqual({
              approved: 0,
              edited: 0,
              rejected: 0,
              expired: 1,
            })
          }).pipe(
            Effect.provide(
              Sweeper.layer([agent], { every: '1 minute' }).pipe(Layer.provideMerge(engineOver(store))),
            ),
          ),
        )
      }),
  )

  it.effect('onExpire cancel cancels the run; a requirement decided in time is not touched', () =>
    Effect.gen(function* () {
      const store = MemoryStore.make()
      const ledger = makeLedger()
      const agent = refundAgent(ledger, 'cancel')
      const late = yield* pauseIn(store, agent)
      yield* TestClock.adjust('30 minutes')
      const onTime = yield* pauseIn(store, agent)
      const report = yield* Effect.gen(function* () {
        const engine = yield* RunEngine.RunEngine
        yield* TestClock.adjust('45 minutes')
        return yield* engine.sweep([agent])
      }).pipe(Effect.provide(engineOver(store)))
      expect(report).toEqual({
        expired: [late.requirements[0]!.id],
        cancelledRuns: [late.runId],
        continuedRuns: [],
      })
      expect(Option.getOrThrow(yield* store.getRun(late.runId))).toMatchObject({
        status: 'cancelled',
        decisions: { approved: 0, edited: 0, rejected: 0, expired: 1 },
      })
      expect((yield* requirementOf(store, late.runId)).resolution).toMatchObject({ lapsed: 'expired' })
      expect(Option.getOrThrow(yield* store.getRun(onTime.runId)).status).toBe('paused')
      expect((yield* requirementOf(store, onTime.runId)).status).toBe('pending')
      expect(ledger.calls).toEqual([])
    }),
  )

  it.effect(
    'a policy sets deadlines; the earliest of the tool’s and the policies’ wins, and a sweep of other agents touches nothing',
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const quick = Policy.make({
          name: 'ten minutes',
          expiry: () => ({ after: '10 minutes', onExpire: 'cancel' }),
        })
        const agent = refundAgent(makeLedger(), 'reject', [quick])
        const paused = yield* pauseIn(store, agent)
        expect(yield* requirementOf(store, paused.runId)).toMatchObject({
          expiresAt: 10 * 60_000,
          onExpire: 'cancel',
        })
        yield* TestClock.adjust('11 minutes')
        const stranger = defineAgent({ id: 'other', model: ScriptedModel.make(['hi']) })
        const report = yield* Effect.flatMap(RunEngine.RunEngine, (engine) => engine.sweep([stranger])).pipe(
          Effect.provide(engineOver(store)),
        )
        expect(report.expired).toEqual([])
        expect((yield* requirementOf(store, paused.runId)).status).toBe('pending')
      }),
  )

  it.effect(
    'a policy whose deadline is not one (no duration, not positive, an unknown action) blocks the call: PolicyFailed',
    () =>
      Effect.gen(function* () {
        for (const answer of [
          { after: 'soon', onExpire: 'reject' },
          { after: -5, onExpire: 'reject' },
          { after: '1 hour', onExpire: 'explode' },
        ]) {
          const store = MemoryStore.make()
          const ledger = makeLedger()
          const broken = Policy.make({ name: 'odd deadline', expiry: () => answer as never })
          const failed = yield* pauseIn(store, refundAgent(ledger, 'reject', [broken]))
          expect(failed.status).toBe('failed')
          expect(failed.error).toContain('Policy "odd deadline" failed on tool "process_refund"')
          expect(ledger.calls).toEqual([])
        }
      }),
  )
})
