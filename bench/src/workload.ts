import { Agent, type RunOutput, type RunStore } from '@countersign/core'
import { confirmAll, cycler } from '@countersign/mongodb/testing'

/*
 * The agent and the cycle measured: those of packages/mongodb/test/writesPerCycle.test.ts (which
 * holds MongoDB to its write budget), so the figures printed here are the ones that test checks.
 */

/** An agent whose model calls the gated tool on every turn, so each resume runs it once and pauses again. */
export const cyclingAgent = (store: RunStore) => new Agent({ ...cycler(), store })

/** A run that is not paused on exactly one call did not do what is being measured: stop the benchmark. */
const pausedOnOne = (output: RunOutput): RunOutput => {
  if (output.status !== 'paused' || output.activeRequirements.length !== 1)
    throw new Error(
      `run ${output.runId} is ${output.status} with ${output.activeRequirements.length} open requirements, ` +
        `not paused on one: ${output.error ?? ''}`,
    )
  return output
}

/** Starts a run and drives it to its first pause. */
export const startRun = async (agent: Agent) => pausedOnOne(await agent.run('Move 1, again and again'))

/** One cycle: confirm the pending call; it runs, the model calls the tool again, and the run pauses on it. */
export const cycle = async (agent: Agent, paused: RunOutput) =>
  pausedOnOne(await agent.continueRun(confirmAll(paused)))
