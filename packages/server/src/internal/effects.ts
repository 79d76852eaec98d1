import { Cause, type Effect, Exit, Effect as E } from 'effect'

/** Runs a store call outside any runtime, rejecting with its typed error itself (not a FiberFailure). */
export const runToPromise = async <A, Err>(effect: Effect.Effect<A, Err>): Promise<A> => {
  const exit = await E.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
