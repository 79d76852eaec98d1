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
 *   enter LEDGER RUN_ID    confirms and continues the run like `resume`, but the gated tool, once it has
 *                          recorded its execution, prints `in-tool` and never returns, until killed
 *   recover LEDGER RUN_ID retry|ask
 *                          waits until the run is interrupted (its killed writer's lease lapsed,
 *                          reading it every third of a lease), prints the run's status and each
 *                          tool call's (`run STATUS`, `call TOOL STATUS`), tries to continue it
 *                          (`continue ERROR` when refused), then
 *                          recovers it with the option; a question it is asked (`asked
 *                          REQUIREMENT_ID KIND`) it confirms; prints `STATUS CONTENT` and exits
 *
 * Each line is printed once what it reports is done, so the test waits for lines, never for time.
 * Every execution of the gated tool appends its idempotency key to LEDGER, as a line. Runs are
 * leased for `writerLease` only, so that a killed writer's run is interrupted soon.
 */
import { setTimeout } from 'node:timers/promises'
import { Duration } from 'effect'
import * as Resolutions from '../Resolutions.js'
import type { RunOutput } from '../RunOutput.js'
import { recordInLedger, say, stayAlive } from './childSide.js'
import type { StoreUnderTest } from './StoreConformance.js'
import { treasurer } from './treasurer.js'

/** Short enough that a recovery waits little for a killed writer's lease to lapse. */
const writerLease = 300

export const runAgentProcess = async (
  command: ReadonlyArray<string>,
  open: () => Promise<StoreUnderTest>,
): Promise<void> => {
  const [step, ledger, runId, option] = command
  const valid =
    ledger !== undefined &&
    ((step === 'pause' && runId === undefined) ||
      ((step === 'resume' || step === 'enter') && runId !== undefined) ||
      (step === 'recover' && runId !== undefined && (option === 'retry' || option === 'ask')))
  if (!valid)
    throw new Error(
      `usage: pause LEDGER | resume LEDGER RUN_ID | enter LEDGER RUN_ID | recover LEDGER RUN_ID retry|ask (got: ${command.join(' ')})`,
    )
  const { store, close } = await open()
  const agent = treasurer({
    store,
    writerLease: Duration.millis(writerLease),
    onTransfer: async (key) => {
      recordInLedger(ledger, key)
      if (step !== 'enter') return
      say('in-tool')
      await stayAlive()
    },
  })
  const confirmAll = (output: RunOutput) => output.activeRequirements.map(({ id }) => Resolutions.confirm(id))

  if (runId === undefined) {
    const paused = await agent.run('Move 40 to savings')
    say([paused.status, paused.runId, ...paused.activeRequirements.map(({ id }) => id)].join(' '))
    return stayAlive()
  }
  let done: RunOutput
  if (step === 'recover') {
    let found = await agent.getRun(runId)
    while (found.status === 'running' && !found.interrupted) {
      await setTimeout(writerLease / 3)
      found = await agent.getRun(runId)
    }
    say(`run ${found.status}`)
    for (const { toolName, status } of found.toolExecutions) say(`call ${toolName} ${status}`)
    await agent.continueRun({ runId }).then(
      () => say('continue accepted'),
      (error: unknown) =>
        say(
          `continue ${typeof error === 'object' && error !== null && '_tag' in error ? String(error._tag) : 'failed'}`,
        ),
    )
    done = await agent.recoverRun(runId, { interruptedCalls: option === 'ask' ? 'ask' : 'retry' })
    if (done.isPaused) {
      for (const { id, kind } of done.activeRequirements) say(`asked ${id} ${kind}`)
      done = await agent.continueRun({ runId, resolutions: confirmAll(done) })
    }
  } else {
    const paused = await agent.getRun(runId)
    if (step === 'resume')
      for (const { id, toolCall } of paused.activeRequirements) say(`pending ${id} ${toolCall.name}`)
    done = await agent.continueRun({ runId, resolutions: confirmAll(paused) })
  }
  say(`${done.status} ${done.content}`)
  await agent.dispose()
  await close?.()
}
