import type { ContinueInput } from '../internal/Runner.js'
import type { Requirement } from '../Requirement.js'
import type { RunOutput } from '../RunOutput.js'
import type { RunStore } from '../RunStore.js'

/*
 * No vitest here: the cold-resume suite's child processes play these scenarios too, outside any
 * test runner.
 */

/** What a scenario runs: the Promise API of an Agent, Team or Workflow over one store. */
export interface ScenarioInstance {
  run(input: string): Promise<RunOutput>
  getRun(runId: string): Promise<RunOutput>
  continueRun(input: ContinueInput): Promise<RunOutput>
  dispose(): Promise<void>
}

/**
 * A run that pauses for people, played by `describeColdResume` in one process per step: each
 * pause outlives the process that reached it and is decided and continued by a fresh one. Its
 * definitions must give the same answers in any process (scripted models, read from the
 * transcript).
 */
export interface ColdResumeScenario {
  readonly name: string
  /** The Promise-API instance (Agent, Team or Workflow) over `store`; `effect(key)` must be awaited by every consequential tool/step when it executes (the harness appends the key to a ledger file). */
  readonly make: (store: RunStore, effect: (key: string) => Promise<void>) => ScenarioInstance
  readonly input: string
  /** Decides one open requirement on its object (confirm(), provideUserInput(...), resolve(...)). */
  readonly decide: (requirement: Requirement) => void
  /** How many pauses the run goes through before it completes. */
  readonly pauses: number
  readonly expectedContent: string
  /** The ledger keys expected at the end, each exactly once, in any order. */
  readonly expectedEffects: ReadonlyArray<string>
}

/**
 * One step of a cold resume, as a fresh process takes it: reads the paused run, decides every
 * open requirement the scenario's way, and continues it to its next stop. `found` is the run as
 * read, before any decision.
 */
export const decideAndContinue = async (
  scenario: ColdResumeScenario,
  instance: ScenarioInstance,
  runId: string,
): Promise<{ readonly found: RunOutput; readonly next: RunOutput }> => {
  const found = await instance.getRun(runId)
  for (const requirement of found.activeRequirements) scenario.decide(requirement)
  return { found, next: await instance.continueRun(found) }
}
