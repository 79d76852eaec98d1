import { it as effectIt } from '@effect/vitest'
import { Effect, Stream, TestClock } from 'effect'
import { describe, expect, it } from 'vitest'
import { defineTeam, MemoryStore, Resolutions, RunEngine, RunStore, Team } from '../src/index.js'
import { expiringRefundAgent, makeLedger, single, engineOver } from './fixtures.js'
import { delegatingTo, delegatingToAll, member } from './teams.js'

/*
 * The invariants hold for teams as for agents: however many callers continue a paused team at
 * once, in however many engines, each member call runs at most once; and a member's deadline
 * is enforced by the sweeper through the team.
 */

describe('continuing a team from many engines at once', () => {
  it('runs every member call exactly once, whoever wins', async () => {
    const ledger = makeLedger()
    const store = MemoryStore.make()
    const make = () =>
      new Team({
        id: 'crew',
        model: delegatingToAll(),
        members: [
          member(ledger, 'alpha', { requiresConfirmation: true }),
          member(ledger, 'beta', { requiresConfirmation: true }),
        ],
        store,
      })
    const teams = Array.from({ length: 5 }, make)
    const paused = await teams[0]!.run('Go')
    await teams[0]!.resolve(
      paused.runId,
      paused.activeRequirements.map(({ id }) => Resolutions.confirm(id)),
    )
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) =>
        teams[index % teams.length]!.continueRun({ runId: paused.runId }),
      ),
    )
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    expect(won.length).toBeGreaterThanOrEqual(1)
    for (const outcome of outcomes)
      if (outcome.status === 'rejected')
        expect(['RunClaimed', 'RunNotContinuable']).toContain((outcome.reason as { _tag: string })._tag)
    expect([ledger.count('alpha_tool'), ledger.count('beta_tool')]).toEqual([1, 1])
    expect((await teams[0]!.getRun(paused.runId)).status).toBe('completed')
    await Promise.all(teams.map((team) => team.dispose()))
  })
})

describe("a member's deadline", () => {
  const hour = 3_600_000
  effectIt.effect('lapses through the team run: the sweeper continues the team, the member told', () =>
    Effect.gen(function* () {
      const ledger = makeLedger()
      const team = defineTeam({
        id: 'support',
        model: delegatingTo('finance'),
        members: [expiringRefundAgent(ledger, 'reject')],
      })
      const engine = yield* RunEngine.RunEngine
      const paused = yield* engine.run(team, 'Refund 500')
      const requirement = single(paused.activeRequirements)
      expect(requirement.expiresAt).toBe(hour)
      const pausedAt = (yield* (yield* RunStore).readEvents(paused.runId, 0)).length
      yield* TestClock.adjust(hour)
      const report = yield* engine.sweep([team])
      expect(report).toEqual({ expired: [requirement.id], cancelledRuns: [], continuedRuns: [paused.runId] })
      yield* Stream.runDrain(engine.followRun(team, paused.runId, pausedAt))
      const done = yield* engine.getRun(team, paused.runId)
      expect(done.status).toBe('completed')
      expect(done.content).toContain('Told: Nobody decided on the call to process_refund in time')
      expect(ledger.count('process_refund')).toBe(0)
    }).pipe(Effect.provide(engineOver(MemoryStore.make()))),
  )
})
