import { Effect } from 'effect'

/**
 * One write of a writer at a time: its batches, its lease's renewals and its delayed flushes.
 * Taking it while it is free suspends nothing, where a Semaphore's `withPermits` suspends the
 * fiber even then: a writer takes it five times a pause/resume cycle, and that suspension cost a
 * cycle 7% of its instructions. Waiting for it can be interrupted; what runs under it cannot (a
 * batch is stored whole and published, or not at all).
 */
export class WriteLock {
  private held = false
  private waiters: Array<() => void> = []

  /** Runs `effect` once the lock is free, uninterruptibly, and frees it whatever its end. */
  alone = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) => this.acquire(effect, restore(this.freed)))

  private acquire<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    wait: Effect.Effect<void>,
  ): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      // Every waiter is woken when the lock is freed: whoever runs first takes it, the others wait again.
      if (this.held) return Effect.zipRight(wait, this.acquire(effect, wait))
      this.held = true
      return Effect.flatMap(Effect.exit(effect), (exit) => {
        this.release()
        return exit
      })
    })
  }

  /** Done once the lock is freed; a waiter interrupted meanwhile is forgotten. */
  private readonly freed = Effect.async<void>((resume) => {
    const waiter = () => resume(Effect.void)
    this.waiters.push(waiter)
    return Effect.sync(() => {
      this.waiters = this.waiters.filter((other) => other !== waiter)
    })
  })

  private release() {
    this.held = false
    const woken = this.waiters
    this.waiters = []
    for (const wake of woken) wake()
  }
}
