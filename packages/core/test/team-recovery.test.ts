import { describe, expect, it } from 'vitest'
import { defineAgent, MemoryStore, Resolutions, ScriptedModel, Team } from '../src/index.js'
import { heldTransfer, single } from './fixtures.js'
import { delegatingTo } from './teams.js'

/*
 * A team whose process stopped while a member's call was running is taken over like an agent's
 * run: the member's run is found where it stopped, and its interrupted call is run again with
 * the same idempotency key, or put to a person first, as the recovery asks.
 */

const stoppedMidCall = async () => {
  const held = heldTransfer()
  const store = MemoryStore.make()
  const treasurer = defineAgent({
    id: 'treasurer',
    model: ScriptedModel.make([{ toolCalls: [{ name: 'transfer', args: { amount: 40 } }] }, 'Moved 40.']),
    tools: [held.tool],
  })
  const make = () =>
    new Team({ id: 'finance', model: delegatingTo('treasurer'), members: [treasurer], store })
  const first = make()
  const paused = await first.run('Move 40')
  const requirement = single(paused.activeRequirements)
  void first
    .continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(requirement.id)] })
    .catch(() => undefined)
  await held.entered.opened
  // The process stops: its fibers are gone, the transfer is left started.
  await first.dispose()
  held.release.open()
  return { held, make, runId: paused.runId, memberRunId: requirement.member!.runId }
}

describe('a team stopped inside a member call', () => {
  it('is recovered with the call run again under the same idempotency key', async () => {
    const { held, make, runId, memberRunId } = await stoppedMidCall()
    const second = make()
    expect((await second.getRun(runId)).status).toBe('running')
    const done = await second.recoverRun(runId, { interruptedCalls: 'retry' })
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Team: Moved 40.')
    const keys = held.ledger.calls.map((call) => call.idempotencyKey)
    expect(keys).toEqual([`${memberRunId}:call_1_1`, `${memberRunId}:call_1_1`])
    await second.dispose()
  })

  it('or puts the interrupted call to a person first, through the team', async () => {
    const { held, make, runId, memberRunId } = await stoppedMidCall()
    const second = make()
    const asked = await second.recoverRun(runId, { interruptedCalls: 'ask' })
    expect(asked.status).toBe('paused')
    const question = single(asked.activeRequirements)
    expect(question).toMatchObject({
      kind: 'interrupted_call',
      member: { agentId: 'treasurer', runId: memberRunId },
    })
    expect(held.ledger.calls).toHaveLength(1)
    question.confirm()
    const done = await second.continueRun(asked)
    expect(done.status).toBe('completed')
    expect(held.ledger.calls).toHaveLength(2)
    await second.dispose()
  })
})
