import { Agent, RunNotContinuable, ScriptedModel, Tool } from '@countersign/core'
import { Effect, Schema } from 'effect'
import { afterEach, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { tempDatabase } from './tempDatabase.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A process's worth of objects: its own store connection, model, tool and agent, over the shared file. */
const boot = (path: string, executions: Array<string>) => {
  const store = SqliteStore.make({ path })
  const transfer = Tool.make({
    name: 'transfer',
    description: 'Move money between accounts',
    parameters: Schema.Struct({ amount: Schema.Number }),
    requiresConfirmation: true,
    execute: ({ amount }, ctx) => {
      executions.push(ctx.idempotencyKey)
      return `moved ${amount}`
    },
  })
  const model = ScriptedModel.make([
    { content: 'Moving it now.', toolCalls: [{ name: 'transfer', args: { amount: 40 } }] },
    'Done: 40 moved.',
  ])
  const agent = new Agent({ id: 'treasurer', model, tools: [transfer], store })
  cleanups.push(store.close, () => agent.dispose())
  return { agent, store }
}

it('a run paused by one agent and store is continued by new ones on the same file, the tool running once', async () => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  const executions: Array<string> = []

  const first = boot(file.path, executions)
  const paused = await first.agent.run('Move 40 to savings')
  expect(paused.status).toBe('paused')
  await first.agent.dispose()
  first.store.close()
  expect(executions).toStrictEqual([])

  const second = boot(file.path, executions)
  const reloaded = await second.agent.getRun(paused.runId)
  expect(reloaded.status).toBe('paused')
  reloaded.activeRequirements[0]!.confirm()
  const done = await second.agent.continueRun(reloaded)

  expect(done).toMatchObject({ status: 'completed', content: 'Done: 40 moved.' })
  expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
  const events = await Effect.runPromise(second.store.readEvents(paused.runId, 0))
  expect(events.map((event) => event.seq)).toStrictEqual(events.map((_, index) => index + 1))
  expect(events.map((event) => event._tag)).toEqual(
    expect.arrayContaining(['RunPaused', 'RequirementResolved', 'RunContinued', 'ToolCallCompleted']),
  )
  expect(events.at(-1)?._tag).toBe('RunCompleted')

  // Continuing it again, from yet another agent, runs nothing more.
  const third = boot(file.path, executions)
  await expect(third.agent.continueRun({ runId: paused.runId })).rejects.toBeInstanceOf(RunNotContinuable)
  expect(executions).toHaveLength(1)
})
