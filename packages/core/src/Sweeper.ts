import { Clock, Duration, Effect, Layer, Schedule } from 'effect'
import { RunEngine } from './RunEngine.js'
import { RunStore } from './RunStore.js'
import type { Runnable } from './Runnable.js'

export interface SweeperOptions {
  /** How often the sweeper's process sweeps (and renews its lease), and the others check whether the lease lapsed. */
  readonly every: Duration.DurationInput
  /**
   * How long the sweeper's lease holds without renewal (default: three times `every`): how soon
   * another process sweeps in place of one that died. It must stay well above `every` and above
   * the clock differences between the processes sharing the store.
   */
  readonly lease?: Duration.DurationInput
  /**
   * How this process is named in the lease (a host name, say), for operators to see which
   * process sweeps; a random id is added to it, new at every start.
   */
  readonly name?: string
}

/**
 * Sweeps every `every` (by the Clock, so a TestClock drives it in tests): requirements left
 * undecided past their deadline are closed, and their runs continued or cancelled (see
 * `RunEngine.sweep`). What is due is read from the store, so nothing is lost across restarts;
 * a pass that fails (the store is down, say) is logged and the next one tries again.
 *
 * Of the processes sharing a store, one sweeps at a time: the one that holds the sweeper's lease
 * in the store (`RunStore.holdSweeperLease`), renewed at each of its passes. When it stops
 * renewing (it died), another takes the lease over once it lapses, and sweeps from then on. A
 * pass outlasting the lease may overlap the next holder's first: harmless, as a requirement is
 * closed once whoever closes it.
 */
export const layer = (
  agents: ReadonlyArray<Runnable>,
  options: SweeperOptions,
): Layer.Layer<never, never, RunEngine | RunStore> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const engine = yield* RunEngine
      const store = yield* RunStore
      const every = Duration.decode(options.every)
      const lease = Duration.toMillis(options.lease ?? Duration.times(every, 3))
      // New at every start: a restarted process takes the lease over like any other.
      const holder = `${options.name ?? 'process'} ${crypto.randomUUID()}`
      let holding = false

      const holdLease = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const held = yield* store.holdSweeperLease({ holder, expiresAt: now + lease }, now)
        if (held !== holding)
          yield* Effect.logDebug(
            held ? 'Countersign sweeper: this process sweeps' : 'Countersign sweeper: another process sweeps',
          )
        holding = held
        return held
      })
      const pass = Effect.zipRight(engine.sweep(agents), Effect.void).pipe(Effect.whenEffect(holdLease))
      yield* Effect.forkScoped(
        Effect.repeat(
          pass.pipe(
            Effect.catchAll((error) => Effect.logWarning('Countersign sweeper: a pass failed', error)),
          ),
          Schedule.spaced(every),
        ),
      )
    }),
  )
