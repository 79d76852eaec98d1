import {
  Agent,
  RequirementAlreadyResolved,
  Resolutions,
  RunClaimed,
  RunNotContinuable,
  ScriptedModel,
  Tool,
} from '@countersign/core'
import { Effect, Schema } from 'effect'
import { expect, it } from 'vitest'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/**
 * A process's worth of objects over the shared database: its own client and store, model, tool
 * and agent. Every execution of the gated tool is recorded in `executions`, which the
 * "processes" share as a ledger would.
 */
const boot = async (dbName: string, executions: Array<string>) => {
  const store = await mongo.open({ url: mongo.url, dbName })
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
  mongo.defer(() => agent.dispose())
  return { agent, store }
}

const tags = (events: ReadonlyArray<{ readonly _tag: string }>) => events.map((event) => event._tag)

it('a run paused by one agent and store is continued by new ones over a new client, the tool running once', async () => {
  const dbName = mongo.freshDatabase()
  const executions: Array<string> = []

  const first = await boot(dbName, executions)
  const paused = await first.agent.run('Move 40 to savings')
  expect(paused.status).toBe('paused')
  // The first "process" goes away entirely: its engine and its connection.
  await first.agent.dispose()
  await first.store.close()
  expect(executions).toStrictEqual([])

  const second = await boot(dbName, executions)
  const reloaded = await second.agent.getRun(paused.runId)
  expect(reloaded.status).toBe('paused')
  reloaded.activeRequirements[0]!.confirm()
  const done = await second.agent.continueRun(reloaded)

  expect(done).toMatchObject({ status: 'completed', content: 'Done: 40 moved.' })
  expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
  const events = await Effect.runPromise(second.store.readEvents(paused.runId, 0))
  expect(events.map((event) => event.seq)).toStrictEqual(events.map((_, index) => index + 1))
  expect(tags(events)).toEqual(
    expect.arrayContaining(['RunPaused', 'RequirementResolved', 'RunContinued', 'ToolCallCompleted']),
  )
  expect(events.at(-1)?._tag).toBe('RunCompleted')

  // Continuing it again, from yet another agent, runs nothing more.
  const third = await boot(dbName, executions)
  await expect(third.agent.continueRun({ runId: paused.runId })).rejects.toBeInstanceOf(RunNotContinuable)
  expect(executions).toHaveLength(1)
})

it('of 20 concurrent continues from two agents on two clients, one resumes the run and the tool runs once', async () => {
  const dbName = mongo.freshDatabase()
  const executions: Array<string> = []
  const [first, second] = [await boot(dbName, executions), await boot(dbName, executions)]
  const paused = await first.agent.run('Move 40 to savings')
  await second.agent.resolve(paused.runId, [Resolutions.confirm(paused.activeRequirements[0]!.id)])

  const settled = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? first : second).agent.continueRun({ runId: paused.runId }),
    ),
  )

  expect(executions).toStrictEqual([`${paused.runId}:call_1_1`])
  const fulfilled = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  expect(fulfilled.map((output) => output.status)).toStrictEqual(['completed'])
  for (const result of settled)
    if (result.status === 'rejected')
      expect(
        [RunClaimed, RunNotContinuable, RequirementAlreadyResolved].some(
          (typed) => result.reason instanceof typed,
        ),
        String(result.reason),
      ).toBe(true)
  const events = await Effect.runPromise(first.store.readEvents(paused.runId, 0))
  expect(tags(events).filter((tag) => tag === 'RunContinued')).toHaveLength(1)
  expect(tags(events).filter((tag) => tag === 'ToolCallStarted')).toHaveLength(1)
  expect(tags(events).filter((tag) => tag === 'RunCompleted')).toHaveLength(1)
  expect((await second.agent.getRun(paused.runId)).status).toBe('completed')
})
