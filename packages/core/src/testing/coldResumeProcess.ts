/**
 * @countersign/core/testing/cold-resume-process — the child side of `describeColdResume`: one
 * step of a scenario in a process of its own, over a store, driven by its command line. A store
 * package's child entry opens its store from its own arguments and hands the rest here, with the
 * scenarios the suite plays.
 *
 *   start LEDGER SCENARIO            runs the scenario's input to its first stop
 *   continue LEDGER SCENARIO RUN_ID  reads the paused run, prints what it found open, decides
 *                                    each open requirement the scenario's way and continues the
 *                                    run to its next stop
 *
 * Every line is JSON. What `continue` found: `{"open":[REQUIREMENT…]}`. A stop:
 * `{"status":"paused","runId":…,"requirements":[REQUIREMENT…]}`, after which the process stays
 * alive until killed, as a server holding a paused run would; or `{"status":…,"runId":…,
 * "content":…}` (and `"error"` if it failed) for any other status, after which it exits. Every effect of the scenario appends
 * its key to LEDGER, as a line.
 */
import type { Requirement } from '../Requirement.js'
import type { RunOutput } from '../RunOutput.js'
import type { RunStatus } from '../Run.js'
import { recordInLedger, say, stayAlive } from './childSide.js'
import { decideAndContinue, type ColdResumeScenario } from './ColdResumeScenario.js'
import type { StoreUnderTest } from './StoreConformance.js'

// Child entries cannot import `@countersign/core/testing` (it needs vitest): they get core's scenarios here.
export { coldResumeScenarios } from './coldResumeScenarios.js'

/** An open requirement as a line shows it: `member` is the name of the member whose call it blocks. */
export interface ReportedRequirement {
  readonly id: string
  readonly kind: string
  readonly tool: string
  readonly member: string | null
}

export type StopLine =
  | {
      readonly status: 'paused'
      readonly runId: string
      readonly requirements: ReadonlyArray<ReportedRequirement>
    }
  | {
      readonly status: Exclude<RunStatus, 'paused'>
      readonly runId: string
      readonly content: string
      /** Why it failed, for a failed run. */
      readonly error?: string
    }

export interface OpenLine {
  readonly open: ReadonlyArray<ReportedRequirement>
}

const reported = (requirements: ReadonlyArray<Requirement>) =>
  requirements.map(({ id, kind, toolCall, member }): ReportedRequirement => ({
    id,
    kind,
    tool: toolCall.name,
    member: member?.agentName ?? null,
  }))

const stopLine = (output: RunOutput): StopLine =>
  output.status === 'paused'
    ? { status: 'paused', runId: output.runId, requirements: reported(output.activeRequirements) }
    : {
        status: output.status,
        runId: output.runId,
        content: output.content,
        ...(output.error === undefined ? {} : { error: output.error }),
      }

export const runColdResumeProcess = async (
  command: ReadonlyArray<string>,
  open: () => Promise<StoreUnderTest>,
  scenarios: ReadonlyArray<ColdResumeScenario>,
): Promise<void> => {
  const [step, ledger, name, runId] = command
  const valid =
    ledger !== undefined &&
    name !== undefined &&
    ((step === 'start' && runId === undefined) || (step === 'continue' && runId !== undefined))
  if (!valid)
    throw new Error(
      `usage: start LEDGER SCENARIO | continue LEDGER SCENARIO RUN_ID (got: ${command.join(' ')})`,
    )
  const scenario = scenarios.find((candidate) => candidate.name === name)
  if (scenario === undefined) throw new Error(`no scenario is named "${name}"`)
  const { store, close } = await open()
  const instance = scenario.make(store, (key) => Promise.resolve(recordInLedger(ledger, key)))

  let stop: RunOutput
  if (runId === undefined) stop = await instance.run(scenario.input)
  else {
    const found = await instance.getRun(runId)
    say(JSON.stringify({ open: reported(found.activeRequirements) } satisfies OpenLine))
    stop = await decideAndContinue(scenario, instance, found)
  }
  say(JSON.stringify(stopLine(stop)))
  if (stop.isPaused) return stayAlive()
  await instance.dispose()
  await close?.()
}
