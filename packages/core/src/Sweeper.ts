import { type Duration, Effect, Layer, Schedule } from 'effect'
import { RunEngine } from './RunEngine.js'
import type { Runnable } from './Runnable.js'

/**
 * Sweeps every `every` (by the Clock, so a TestClock drives it in tests): requirements left
 * undecided past their deadline are closed, and their runs continued or cancelled (see
 * `RunEngine.sweep`). What is due is read from the store, so nothing is lost across restarts;
 * a pass that fails (the store is down, say) is logged and the next one tries again.
 */
export const layer = (
  agents: ReadonlyArray<Runnable>,
  options: { readonly every: Duration.DurationInput },
): Layer.Layer<never, never, RunEngine> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const engine = yield* RunEngine
      const pass = engine
        .sweep(agents)
        .pipe(Effect.catchAll((error) => Effect.logWarning('Countersign sweeper: a pass failed', error)))
      yield* Effect.forkScoped(Effect.repeat(pass, Schedule.spaced(options.every)))
    }),
  )
