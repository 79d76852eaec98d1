/**
 * Run by memory.test.ts with `--expose-gc`, in a process of its own so that nothing of the test
 * runner sits in its heap: plays HITL runs (a tool that needs confirmation, a scripted model) on
 * a SQLite store and prints, as one JSON line, the heap each completed run and each paused run
 * leaves behind, measured after forced garbage collection.
 */
import { Agent, Resolutions, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'
import { SqliteStore } from '../../src/index.js'

const [completedRuns = '3000', pausedRuns = '2000'] = process.argv.slice(2)
const warmUp = 1500
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

const store = SqliteStore.make({ path: ':memory:' })
let executions = 0
const deleteRecord = Tool.make({
  name: 'delete_record',
  description: 'Deletes a record by id',
  parameters: Schema.Struct({ id: Schema.String }),
  requiresConfirmation: true,
  execute: () => ({ deleted: ++executions }),
})
const agent = new Agent({
  id: 'memory',
  instructions: 'You delete records.',
  model: ScriptedModel.make(({ messages }) =>
    messages.some((message) => message._tag === 'Tool')
      ? 'Done.'
      : { toolCalls: [{ name: 'delete_record', args: { id: '42' } }] },
  ),
  tools: [deleteRecord],
  store,
})

const pause = async () => {
  const output = await agent.run('Please delete record 42.')
  if (output.status !== 'paused') throw new Error(`the run did not pause: ${output.status}`)
  return { runId: output.runId, requirementId: output.activeRequirements[0]!.id }
}
const finish = async ({ runId, requirementId }: { runId: string; requirementId: string }) => {
  const output = await agent.continueRun({ runId, resolutions: [Resolutions.confirm(requirementId)] })
  if (output.status !== 'completed') throw new Error(`the run did not complete: ${output.status}`)
}
const heapAfterGc = () => {
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}

// Warm: code compiled and optimised, statements prepared, bounded logs (the model's requests) full.
for (let i = 0; i < warmUp; i++) await finish(await pause())

const beforeCompleted = heapAfterGc()
for (let i = 0; i < Number(completedRuns); i++) await finish(await pause())
const afterCompleted = heapAfterGc()

const paused = []
for (let i = 0; i < Number(pausedRuns); i++) paused.push(await pause())
const withPaused = heapAfterGc()
for (const handle of paused) await finish(handle)

console.log(
  JSON.stringify({
    bytesPerCompletedRun: (afterCompleted - beforeCompleted) / Number(completedRuns),
    // The handles the caller keeps ({ runId, requirementId }) are counted too, as a server would keep them.
    bytesPerPausedRun: (withPaused - afterCompleted) / Number(pausedRuns),
    executions,
    expectedExecutions: warmUp + Number(completedRuns) + Number(pausedRuns),
  }),
)
store.close()
await agent.dispose()
