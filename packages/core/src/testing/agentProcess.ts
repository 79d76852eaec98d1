/**
 * @countersign/core/testing/agent-process — the child side of `describeCrashRecovery`: one
 * process's worth of the treasurer agent over a store, driven by its command line. A store
 * package's child entry opens its store from its own arguments and hands the rest here.
 *
 *   pause LEDGER           runs the agent until it pauses, prints `paused RUN_ID REQUIREMENT_ID…`,
 *                          then stays alive, as a server holding a paused run would, until killed
 *   resume LEDGER RUN_ID   reads the run (getRun), prints `pending REQUIREMENT_ID TOOL` for each open
 *                          requirement, confirms them all, continues the run, prints `STATUS CONTENT`
 *                          and exits
 *
 * Each line is printed once what it reports is done, so the test waits for lines, never for time.
 * Every execution of the gated tool appends its idempotency key to LEDGER, as a line.
 */
import { appendFileSync } from 'node:fs'
import * as Resolutions from '../Resolutions.js'
import type { StoreUnderTest } from './StoreConformance.js'
import { treasurer } from './treasurer.js'

const say = (line: string) => void process.stdout.write(`${line}\n`)

export const runAgentProcess = async (
  command: ReadonlyArray<string>,
  open: () => Promise<StoreUnderTest>,
): Promise<void> => {
  const [step, ledger, runId] = command
  if (ledger === undefined || !((step === 'pause' && runId === undefined) || (step === 'resume' && runId)))
    throw new Error(`usage: pause LEDGER | resume LEDGER RUN_ID (got: ${command.join(' ')})`)
  const { store, close } = await open()
  // Appended synchronously: the line is on disk before the tool returns, whatever happens next.
  const agent = treasurer({ store, onTransfer: (key) => appendFileSync(ledger, `${key}\n`) })

  if (runId === undefined) {
    const paused = await agent.run('Move 40 to savings')
    say([paused.status, paused.runId, ...paused.activeRequirements.map(({ id }) => id)].join(' '))
    setInterval(() => undefined, 60_000)
    return
  }
  const paused = await agent.getRun(runId)
  for (const { id, toolCall } of paused.activeRequirements) say(`pending ${id} ${toolCall.name}`)
  const done = await agent.continueRun({
    runId,
    resolutions: paused.activeRequirements.map(({ id }) => Resolutions.confirm(id)),
  })
  say(`${done.status} ${done.content}`)
  await agent.dispose()
  await close?.()
}
