import { it } from '@effect/vitest'
import { Effect, Either, Layer, Schema, TestClock } from 'effect'
import { describe, expect, it as vitestIt } from 'vitest'
import {
  approval,
  Approvals,
  Channel,
  DefinitionError,
  defineAgent,
  MemoryStore,
  Notifications,
  IdGenerator,
  Principal,
  RunEngine,
  RunStore,
  ScriptedModel,
  Tool,
} from '../src/index.js'

/*
 * Reminders and escalation of a pending approval, performed by the sweeper's passes as the
 * TestClock moves: each step once, whatever the passes and restarts; escalation widens who may
 * decide; the approval's history shows each step.
 */

const requester = new Principal({ id: 'user-ada', roles: ['user'] })
const approver = new Principal({ id: 'boss-grace', roles: ['approver'] })
const lead = new Principal({ id: 'lead-linus', roles: ['finance-lead'] })

const agent = defineAgent({
  id: 'finance',
  model: ScriptedModel.make((request) =>
    request.messages.some((m) => m._tag === 'Tool')
      ? 'Done.'
      : { toolCalls: [{ name: 'process_refund', args: { amount: 900 } }] },
  ),
  tools: [
    Tool.make({
      name: 'process_refund',
      description: 'Refund',
      parameters: Schema.Struct({ amount: Schema.Number }),
      approval: approval({
        type: 'required',
        expiresIn: '8 hours',
        remind: { after: '1 hour' },
        escalate: { after: '2 hours', to: { roles: ['finance-lead'], channels: ['pager'] } },
      }),
      execute: ({ amount }) => `refunded ${amount}`,
    }),
  ],
})

const quiet = (name: string) => Channel.make({ name, deliver: () => Promise.resolve() })

/** A process over `store`: its engine, approvals and (with notifications) dispatcher. */
const processOver = (store: RunStore, notify: boolean) => {
  const notifier = notify
    ? Notifications.layer({
        channels: [quiet('hook'), quiet('pager')],
        routes: [{ channel: 'hook' }],
        panelUrl: 'https://panel.example',
        // Woken by the writes: no polling while the TestClock moves hours on.
        pollEvery: '1 day',
      })
    : Layer.empty
  const engine = RunEngine.layer.pipe(
    Layer.provide(notifier),
    Layer.provideMerge(Layer.succeed(RunStore, store)),
    Layer.provideMerge(IdGenerator.layer),
  )
  return Approvals.layer([agent]).pipe(Layer.provideMerge(engine))
}

const hour = '1 hour'

/** Pauses a run on its approval (at the TestClock's 0) in a process of its own; answers its run and requirement ids. */
const paused = (store: RunStore, notify: boolean) =>
  Effect.gen(function* () {
    const engine = yield* RunEngine.RunEngine
    const output = yield* engine.run(agent, 'Refund 900', { principal: requester })
    return { runId: output.runId, requirementId: output.activeRequirements[0]!.id }
  }).pipe(Effect.provide(processOver(store, notify)), Effect.scoped)

const sweep = Effect.flatMap(RunEngine.RunEngine, (engine) => engine.sweep([agent]))

const decide = (runId: string, requirementId: string, principal: Principal) =>
  Effect.flatMap(RunEngine.RunEngine, (engine) =>
    engine.resolve(agent, runId, [{ requirementId, value: { approved: true } }], { principal }),
  )

describe('reminders and escalation', () => {
  it.effect(
    'each step once at its time, across passes and a restart; notified to the routes and the escalation’s channels',
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const { runId, requirementId } = yield* paused(store, true)

        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* TestClock.adjust('59 minutes')
            expect(yield* sweep).toStrictEqual({ expired: [], cancelledRuns: [], continuedRuns: [] })
            yield* TestClock.adjust('1 minute')
            expect(yield* sweep).toMatchObject({ reminded: [requirementId] })
            expect((yield* sweep).reminded).toBeUndefined()
          }).pipe(Effect.provide(processOver(store, true))),
        )
        // A restart: the reminder is not sent again; the escalation comes at its time.
        yield* Effect.scoped(
          Effect.gen(function* () {
            expect((yield* sweep).reminded).toBeUndefined()
            yield* TestClock.adjust(hour)
            const report = yield* sweep
            expect([report.reminded, report.escalated]).toStrictEqual([undefined, [requirementId]])
            expect((yield* sweep).escalated).toBeUndefined()
          }).pipe(Effect.provide(processOver(store, true))),
        )

        const deliveries = yield* store.listDeliveries({ runId })
        expect(deliveries.map(({ channel, notification }) => [channel, notification.event])).toStrictEqual([
          ['hook', 'requirement.raised'],
          ['hook', 'requirement.reminded'],
          ['hook', 'requirement.escalated'],
          ['pager', 'requirement.escalated'],
        ])
        expect(deliveries[2]?.notification).toMatchObject({
          id: `${requirementId}.escalated`,
          occurredAt: 2 * 3_600_000,
          escalation: { level: 1, approverRoles: ['finance-lead'] },
          requirement: { status: 'pending' },
        })
      }),
  )

  it.effect(
    'escalation widens who may decide, from its time on; the history shows each step, then the decision',
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const { runId, requirementId } = yield* paused(store, false)

        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* TestClock.adjust('90 minutes')
            yield* sweep
            // Before the escalation, a finance lead is nobody here.
            const early = yield* Effect.either(decide(runId, requirementId, lead))
            expect(Either.isLeft(early) && early.left._tag).toBe('NotAllowedToResolve')
            yield* TestClock.adjust('30 minutes')
            yield* sweep
            yield* decide(runId, requirementId, lead)
            const history = yield* Effect.flatMap(Approvals.Approvals, (approvals) =>
              approvals.history(requirementId),
            )
            expect(history.map((entry) => [entry._tag, entry.at])).toStrictEqual([
              ['Requested', 0],
              ['Reminded', 90 * 60_000],
              ['Escalated', 120 * 60_000],
              ['Decided', 120 * 60_000],
            ])
            expect(history[2]).toMatchObject({ roles: ['finance-lead'], channels: ['pager'] })
            expect(history[3]).toMatchObject({ by: { id: 'lead-linus' }, status: 'approved' })
          }).pipe(Effect.provide(processOver(store, false))),
        )
      }),
  )

  it.effect(
    'a decided approval is neither reminded nor escalated; an escalation never lets the requester decide',
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const first = yield* paused(store, false)
        const second = yield* paused(store, false)
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* decide(first.runId, first.requirementId, approver)
            yield* TestClock.adjust('3 hours')
            expect(yield* sweep).toMatchObject({
              reminded: [second.requirementId],
              escalated: [second.requirementId],
            })
            const own = yield* Effect.either(
              decide(
                second.runId,
                second.requirementId,
                new Principal({ id: 'user-ada', roles: ['finance-lead'] }),
              ),
            )
            expect(Either.isLeft(own) && own.left._tag).toBe('NotAllowedToResolve')
          }).pipe(Effect.provide(processOver(store, false))),
        )
        expect(yield* store.listFollowUps(first.requirementId)).toStrictEqual([])
      }),
  )

  vitestIt('remind and escalate durations must be positive, and an escalation must name someone', () => {
    expect(() => approval({ type: 'required', remind: { after: '0 seconds' } })).toThrow(DefinitionError)
    expect(() => approval({ type: 'required', escalate: { after: '1 hour', to: {} } })).toThrow(
      DefinitionError,
    )
    expect(() =>
      approval({ type: 'required', escalate: { after: 'soon' as never, to: { roles: ['x'] } } }),
    ).toThrow(DefinitionError)
  })
})
