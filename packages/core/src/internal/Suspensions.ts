import { Deferred, Effect } from 'effect'
import type { RunFailure } from '../Errors.js'
import type { Runnable } from '../Runnable.js'

/** What a suspended run fiber is handed to go on: the pause it resumes, its epoch, and the definition to run with. */
export interface ResumeTicket {
  readonly agent: Runnable
  readonly epoch: number
  /** The last event of the pause, as the continue saw it. */
  readonly fromSeq: number
  /** Done once the fiber holds the run (its first batch stored), or failed with why it does not. */
  readonly claimed: Deferred.Deferred<void, RunFailure>
}

/**
 * The runs of one engine whose fiber is suspended on a Deferred (or about to be), waiting to
 * be handed its next claim. A fiber registers before its stretch, so a continue that has seen
 * the pause committed always finds it. The waiting ones are kept to a number: beyond it, the
 * oldest are let go and resume from the store instead, which bounds memory, not what works.
 */
export class Suspensions {
  private readonly wakes = new Map<string, Deferred.Deferred<ResumeTicket>>()
  /** Registered runs whose fiber is waiting now, oldest first. */
  private readonly waiting = new Set<string>()

  constructor(private readonly limit: number) {}

  register = (runId: string): Effect.Effect<Deferred.Deferred<ResumeTicket>> =>
    Effect.tap(Deferred.make<ResumeTicket>(), (wake) => Effect.sync(() => this.wakes.set(runId, wake)))

  /** The fiber of `runId` waits now; answers the runs to let go to stay within the limit. */
  wait = (runId: string): ReadonlyArray<string> => {
    this.waiting.add(runId)
    const over: Array<string> = []
    // Oldest first, and only as many as there are too many: a pause costs nothing more within the limit.
    for (const oldest of this.waiting) {
      if (this.waiting.size - over.length <= this.limit) break
      over.push(oldest)
    }
    for (const evicted of over) this.take(evicted)
    return over
  }

  isWaiting = (runId: string): boolean => this.waiting.has(runId)

  /** Removes and answers the run's registration: whoever takes it is the only one to use it. */
  take = (runId: string): Deferred.Deferred<ResumeTicket> | undefined => {
    const wake = this.wakes.get(runId)
    this.wakes.delete(runId)
    this.waiting.delete(runId)
    return wake
  }

  /** Drops a fiber's own registration, and not a later fiber's for the same run. */
  release = (runId: string, wake: Deferred.Deferred<ResumeTicket>): void => {
    if (this.wakes.get(runId) === wake) this.take(runId)
  }
}
