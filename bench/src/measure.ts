import type { Agent } from '@countersign/core'
import type { CommandCounter, CommandCounts } from '@countersign/mongodb/testing'
import { cycle, startRun } from './workload.js'

/** How the cycles are laid out: `runs` runs at once, each cycling `cyclesPerRun` times in a row. */
export interface Shape {
  readonly runs: number
  readonly cyclesPerRun: number
}

export interface Measured {
  readonly cycles: number
  /** Wall-clock time from the first cycle's start to the last one's end. */
  readonly seconds: number
  /** Each cycle's duration, in milliseconds, in the order they ended. */
  readonly latenciesMs: ReadonlyArray<number>
  /** The commands the cycles sent (the runs' starts left out), where the store counts them. */
  readonly commands: CommandCounts | undefined
}

/**
 * Starts the runs and drives each to its first pause, then times their cycles: the clock and the
 * command counter start only once every run is paused, so what is measured is cycles alone.
 */
export const measure = async (agent: Agent, shape: Shape, counter?: CommandCounter): Promise<Measured> => {
  const runs = await Promise.all(Array.from({ length: shape.runs }, () => startRun(agent)))
  const latenciesMs: Array<number> = []
  counter?.reset()
  const started = performance.now()
  await Promise.all(
    runs.map(async (first) => {
      let paused = first
      for (let done = 0; done < shape.cyclesPerRun; done++) {
        const cycleStarted = performance.now()
        paused = await cycle(agent, paused)
        latenciesMs.push(performance.now() - cycleStarted)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1_000
  return { cycles: shape.runs * shape.cyclesPerRun, seconds, latenciesMs, commands: counter?.take() }
}
