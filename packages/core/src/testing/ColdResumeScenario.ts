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
 * What a process does with a paused run it has read (`found`, from `getRun`): decides every open
 * requirement the scenario's way, then continues the run to its next stop.
 */
export const decideAndContinue = (
  scenario: ColdResumeScenario,
  instance: ScenarioInstance,
  found: RunOutput,
): Promise<RunOutput> => {
  for (const requirement of found.activeRequirements) scenario.decide(requirement)
  return instance.continueRun(found)
}
