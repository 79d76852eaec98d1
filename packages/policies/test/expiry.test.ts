import { it } from '@effect/vitest'
import {
  Approval,
  DefinitionError,
  defineAgent,
  IdGenerator,
  MemoryStore,
  type Policy,
  RunEngine,
  RunStore,
  ScriptedModel,
} from '@countersign/core'
import { Duration, Effect, Layer, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import { amountThreshold, expiry, type ExpiryOptions } from '../src/index.js'
import { makeLedger, refundScript, refundTool, single } from './fixtures.js'

/*
 * Deadlines run on the Effect Clock, so these tests run the engine with the Effect API inside
 * `it.effect`, where the clock is the TestClock: it stands still at 0 until a test moves it.
 */

const engine = RunEngine.layer.pipe(Layer.provideMerge(MemoryStore.layer), Layer.provide(IdGenerator.layer))

/** An agent whose refunds of any amount need an approval, with the given deadline policies. */
const refundAgent = (policies: ReadonlyArray<Policy.Policy>, tool = refundTool) => {
  const ledger = makeLedger()
  const model = ScriptedModel.make(refundScript({ amount: 500 }))
  const agent = defineAgent({
    id: 'support',
    model,
    tools: [tool(ledger)],
    policies: [amountThreshold({ above: 0 }), ...policies],
  })
  return { agent, model, ledger }
}

/** The stored record of a run's only requirement. */
const requirementOf = (runId: string) =>
  Effect.flatMap(RunStore, (store) => store.listRequirements(runId)).pipe(Effect.map(single))

/** The run as stored, once its fiber has stopped working (the sweeper sets it going in the background). */
const settled = (agent: ReturnType<typeof refundAgent>['agent'], runId: string) =>
  Effect.gen(function* () {
    const engine = yield* RunEngine.RunEngine
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const output = yield* engine.getRun(agent, runId)
      if (output.status !== 'running' && output.status !== 'paused') return output
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`run ${runId} did not settle`)
  })

describe('expiry', () => {
  it.effect(
    "pauses with a deadline of now + after; past it, 'reject' rejects the call and the run goes on",
    () =>
      Effect.gen(function* () {
        const { agent, model, ledger } = refundAgent([expiry({ after: '24 hours', onExpire: 'reject' })])
        const engine = yield* RunEngine.RunEngine
        yield* TestClock.adjust('1 hour') // the run starts at 1 hour past the epoch
        const paused = yield* engine.run(agent, 'refund A-1')
        expect(paused.status).toBe('paused')
        const pending = yield* requirementOf(paused.runId)
        expect(pending).toMatchObject({
          kind: Approval.kind,
          createdAt: Duration.toMillis('1 hour'),
          expiresAt: Duration.toMillis('25 hours'),
          onExpire: 'reject',
        })

        yield* TestClock.adjust(Duration.toMillis('24 hours') - 1) // a millisecond early: still waiting
        expect(yield* engine.sweep([agent])).toEqual({ expired: [], cancelledRuns: [], continuedRuns: [] })
        expect((yield* engine.getRun(agent, paused.runId)).status).toBe('paused')

        yield* TestClock.adjust('1 millis') // the deadline
        expect(yield* engine.sweep([agent])).toEqual({
          expired: [pending.id],
          cancelledRuns: [],
          continuedRuns: [paused.runId],
        })
        const done = yield* settled(agent, paused.runId)
        expect(done.status).toBe('completed')
        expect(ledger.calls).toEqual([])
        expect(single(done.toolExecutions)).toMatchObject({ toolName: 'process_refund', status: 'skipped' })
        expect(model.requests.at(-1)?.messages.at(-1)).toMatchObject({
          _tag: 'Tool',
          outcome: 'skipped',
          content:
            'Nobody decided on the call to process_refund in time (the approval expired); it was not executed.',
        })
        const store = yield* RunStore
        expect(yield* store.getApproval(pending.id)).toMatchObject({ value: { status: 'expired' } })
      }).pipe(Effect.provide(engine)),
  )

  it.effect("past the deadline, 'cancel' cancels the run and the tool never runs", () =>
    Effect.gen(function* () {
      const { agent, ledger } = refundAgent([expiry({ after: '30 minutes', onExpire: 'cancel' })])
      const engine = yield* RunEngine.RunEngine
      const paused = yield* engine.run(agent, 'refund A-1')
      const pending = yield* requirementOf(paused.runId)
      expect(pending).toMatchObject({ expiresAt: Duration.toMillis('30 minutes'), onExpire: 'cancel' })

      yield* TestClock.adjust('31 minutes')
      expect(yield* engine.sweep([agent])).toEqual({
        expired: [pending.id],
        cancelledRuns: [paused.runId],
        continuedRuns: [],
      })
      expect((yield* engine.getRun(agent, paused.runId)).status).toBe('cancelled')
      expect(ledger.calls).toEqual([])
    }).pipe(Effect.provide(engine)),
  )

  it.effect('sets no deadline on kinds it is not given, nor on tools it does not list', () =>
    Effect.gen(function* () {
      const engine = yield* RunEngine.RunEngine
      for (const policy of [
        expiry({ after: '1 hour', kinds: ['confirmation'] }),
        expiry({ after: '1 hour', tools: ['send_payout'] }),
      ]) {
        const { agent, ledger } = refundAgent([policy])
        const paused = yield* engine.run(agent, 'refund A-1')
        const pending = yield* requirementOf(paused.runId)
        expect(pending.expiresAt).toBeUndefined()
        yield* TestClock.adjust('1000 days')
        expect((yield* engine.sweep([agent])).expired).toEqual([])
        expect((yield* engine.getRun(agent, paused.runId)).status).toBe('paused')
        expect(ledger.calls).toEqual([])
      }
    }).pipe(Effect.provide(engine)),
  )

  it.effect("only ever shortens a wait: the tool's own sooner deadline stands", () =>
    Effect.gen(function* () {
      const { agent } = refundAgent([expiry({ after: '24 hours' })], (ledger) =>
        refundTool(ledger, { approval: Approval.approval({ type: 'required', expiresIn: '2 hours' }) }),
      )
      const paused = yield* (yield* RunEngine.RunEngine).run(agent, 'refund A-1')
      expect(yield* requirementOf(paused.runId)).toMatchObject({
        expiresAt: Duration.toMillis('2 hours'),
        onExpire: 'reject',
      })
    }).pipe(Effect.provide(engine)),
  )

  it.each<{ case: string; options: ExpiryOptions }>([
    { case: 'a zero wait', options: { after: '0 seconds' } },
    { case: 'a wait that is not a duration', options: { after: 'soon' as Duration.DurationInput } },
    { case: 'an endless wait', options: { after: Duration.infinity } },
    { case: 'an unknown onExpire', options: { after: '1 hour', onExpire: 'explode' as 'reject' } },
  ])('refuses $case when it is made', ({ options }) => {
    expect(() => expiry(options)).toThrow(DefinitionError)
  })

  it('is named after its deadline', () => {
    expect(expiry({ after: '24 hours', onExpire: 'cancel' }).name).toBe('expiry(1d, cancel)')
  })
})
