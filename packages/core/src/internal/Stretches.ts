import { Effect, type Fiber } from 'effect'
import type { RunWriter } from './RunWriter.js'

interface Stretch {
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined
  writer: RunWriter | undefined
  /** Done once the fiber holds the run, or could not claim it. */
  readonly claimed: Effect.Effect<unknown> | undefined
}

/**
 * The runs one engine is working on now: each one's fiber, from when it is set going until it
 * has stopped, and its writer once it holds the run. A run's fiber ends at the run's next stop,
 * so a paused run leaves nothing here: it lives in the store only, and continuing it starts a
 * fiber from there.
 */
export class Stretches {
  private readonly working = new Map<string, Stretch>()

  /**
   * Records the fiber `start` forks for the run, for as long as it lives. The run is recorded
   * before the fiber starts, so that what the fiber notes of itself is kept. `claimed`, if given,
   * is done once the fiber holds the run or could not claim it.
   */
  add = <E, R>(
    runId: string,
    start: Effect.Effect<Fiber.RuntimeFiber<unknown, unknown>, E, R>,
    claimed?: Effect.Effect<unknown>,
  ): Effect.Effect<void, E, R> =>
    Effect.suspend(() => {
      const stretch: Stretch = { fiber: undefined, writer: undefined, claimed }
      this.working.set(runId, stretch)
      return Effect.map(start, (fiber) => {
        stretch.fiber = fiber
        fiber.addObserver(() => {
          if (this.working.get(runId) === stretch) this.working.delete(runId)
        })
      })
    })

  /** Notes the writer that holds the run for its fiber. */
  heldBy = (writer: RunWriter): void => {
    const stretch = this.working.get(writer.run.runId)
    if (stretch !== undefined) stretch.writer = writer
  }

  has = (runId: string): boolean => this.working.has(runId)

  /** Done once the run's fiber, if it claims the run for a caller, holds it or could not claim it. */
  claimSettled = (runId: string): Effect.Effect<unknown> =>
    Effect.suspend(() => this.working.get(runId)?.claimed ?? Effect.void)

  /** Whether the run's fiber is at work: it has not committed the run's stop yet. */
  isWorking = (runId: string): boolean => {
    const stretch = this.working.get(runId)
    return stretch !== undefined && stretch.writer?.hasStopped !== true
  }

  /**
   * The fiber of a run whose stop is committed (and published) and that is only finishing: a
   * continue that heard the pause waits for it to end, rather than being refused.
   */
  finishing = (runId: string): Fiber.RuntimeFiber<unknown, unknown> | undefined => {
    const stretch = this.working.get(runId)
    return stretch?.writer?.hasStopped === true ? stretch.fiber : undefined
  }
}
