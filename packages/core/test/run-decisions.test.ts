import { Effect, Option, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, MemoryStore, Principal, Resolutions, ScriptedModel, Tool } from '../src/index.js'
import { makeLedger, single } from './fixtures.js'

/*
 * A run's record counts how its decisions went, so that a list of runs shows a run whose call was
 * turned down as such, not as a plain completed run. The counts are stored with the stop that
 * follows the decisions.
 */

const requester = new Principal({ id: 'ada', roles: ['user'] })

const paying = (script: Parameters<typeof ScriptedModel.make>[0]) => {
  const ledger = makeLedger()
  const store = MemoryStore.make()
  const agent = new Agent({
    id: 'treasury',
    model: ScriptedModel.make(script),
    tools: [
      Tool.make({
        name: 'wire',
        description: 'Wire money',
        parameters: Schema.Struct({ to: Schema.String, amount: Schema.Number }),
        requiresConfirmation: true,
        execute: (args, ctx) => {
          ledger.record('wire', args, ctx.idempotencyKey)
          return `wired ${args.amount} to ${args.to}`
        },
      }),
    ],
    store,
  })
  const decisionsOf = async (runId: string) =>
    Option.getOrThrow(await Effect.runPromise(store.getRun(runId))).decisions
  return { agent, ledger, decisionsOf }
}

const wire = (to: string, amount: number) => ({ name: 'wire', args: { to, amount } })

describe("a run's decisions", () => {
  it('are counted at the stop after them: approved, approved with the same arguments, edited, rejected', async () => {
    const { agent, ledger, decisionsOf } = paying([
      { toolCalls: [wire('a', 1), wire('b', 2), wire('c', 3), wire('d', 4)] },
      'Done.',
    ])
    const paused = await agent.run('Pay four', { principal: requester })
    expect(await decisionsOf(paused.runId)).toBeUndefined()
    const [a, b, c, d] = paused.activeRequirements.map(({ id }) => id)
    const done = await agent.continueRun(
      {
        runId: paused.runId,
        resolutions: [
          Resolutions.confirm(a!),
          Resolutions.confirmWithChanges(b!, { to: 'b', amount: 2 }),
          Resolutions.confirmWithChanges(c!, { to: 'c', amount: 30 }),
          Resolutions.reject(d!, 'not this one'),
        ],
      },
      { principal: requester },
    )
    expect(done.status).toBe('completed')
    expect(ledger.calls).toHaveLength(3)
    expect(await decisionsOf(paused.runId)).toEqual({ approved: 2, edited: 1, rejected: 1, expired: 0 })
    await agent.dispose()
  })

  it('add up over the pauses of a run', async () => {
    const { agent, decisionsOf } = paying([
      { toolCalls: [wire('a', 1)] },
      { toolCalls: [wire('b', 2)] },
      'Done.',
    ])
    const first = await agent.run('Pay twice', { principal: requester })
    const second = await agent.continueRun(
      { runId: first.runId, resolutions: [Resolutions.reject(single(first.activeRequirements).id)] },
      { principal: requester },
    )
    expect(second.status).toBe('paused')
    expect(await decisionsOf(first.runId)).toEqual({ approved: 0, edited: 0, rejected: 1, expired: 0 })
    await agent.continueRun(
      { runId: first.runId, resolutions: [Resolutions.confirm(single(second.activeRequirements).id)] },
      { principal: requester },
    )
    expect(await decisionsOf(first.runId)).toEqual({ approved: 1, edited: 0, rejected: 1, expired: 0 })
    await agent.dispose()
  })

  it('are not counted when the decisions are refused: bad input changes nothing', async () => {
    const { agent, decisionsOf } = paying([{ toolCalls: [wire('a', 1)] }, 'Done.'])
    const paused = await agent.run('Pay', { principal: requester })
    const refused = agent.continueRun(
      {
        runId: paused.runId,
        resolutions: [Resolutions.confirmWithChanges(single(paused.activeRequirements).id, { to: 'a' })],
      },
      { principal: requester },
    )
    await expect(refused).rejects.toMatchObject({ _tag: 'InvalidResolution' })
    expect(await decisionsOf(paused.runId)).toBeUndefined()
    await agent.dispose()
  })
})
