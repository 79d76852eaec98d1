import { Duration } from 'effect'

/**
 * Renews the leases of the writers an engine has working, on one timer for them all, armed only
 * while any works: a stretch costs an entry in a set rather than a fiber of its own asleep for as
 * long as it works, which cost a pause/resume cycle 7% of its instructions.
 *
 * A plain timer, unreferenced, rather than the Clock's sleep: a renewal is a sign of life to
 * other processes, read against the time of day, and must never keep a process alive by itself,
 * nor be left asleep after the last stretch (a sleep is interrupted only by a fiber of its own).
 */
export class LeaseKeeper<Writer> {
  private readonly working = new Set<Writer>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    private readonly every: Duration.Duration,
    /** Renews the leases of these writers, each of which may have stopped meanwhile. */
    private readonly renew: (writers: ReadonlyArray<Writer>) => void,
  ) {}

  /** The writer's lease is renewed every interval from now until `release`. */
  hold = (writer: Writer): void => {
    if (this.stopped) return
    this.working.add(writer)
    this.timer ??= this.arm()
  }

  release = (writer: Writer): void => {
    this.working.delete(writer)
    if (this.working.size > 0 || this.timer === undefined) return
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Renews nothing more: the engine is closing. */
  stop = (): void => {
    this.stopped = true
    this.working.clear()
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm() {
    const timer = setTimeout(this.tick, Duration.toMillis(this.every))
    timer.unref()
    return timer
  }

  private tick = () => {
    this.timer = this.arm()
    this.renew([...this.working])
  }
}
