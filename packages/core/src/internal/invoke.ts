import { Effect } from 'effect'
import { describe } from './describe.js'

/**
 * Runs a user's function (a tool's execute, a workflow step) that may answer with a value, a
 * Promise or an Effect. A throw, a rejection, a failure or a defect becomes `fail(reason)`;
 * interrupting it aborts the signal it was given.
 */
export const invoke = <E>(
  call: (signal: AbortSignal) => unknown,
  fail: (reason: string) => E,
): Effect.Effect<unknown, E> =>
  Effect.suspend(() => {
    const controller = new AbortController()
    const value = call(controller.signal)
    const outcome = Effect.isEffect(value)
      ? (value as Effect.Effect<unknown, unknown>).pipe(Effect.mapError((cause) => fail(describe(cause))))
      : Effect.tryPromise({
          try: async () => await value,
          catch: (cause) => fail(describe(cause)),
        })
    return outcome.pipe(Effect.onInterrupt(() => Effect.sync(() => controller.abort())))
  }).pipe(Effect.catchAllDefect((defect) => Effect.fail(fail(describe(defect)))))
