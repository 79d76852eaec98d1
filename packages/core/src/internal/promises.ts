import { Cause, type Effect, Exit, type ManagedRuntime, Stream } from 'effect'

/*
 * The Promise face of Effect programs, for callers who do not use Effect: failures are thrown
 * as the typed errors themselves.
 */

export const toPromise = async <R, A, E>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  effect: Effect.Effect<A, E, R>,
): Promise<A> => {
  const exit = await runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

export const toAsyncIterable = <R, A, E>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  stream: Stream.Stream<A, E, R>,
): AsyncIterable<A> => ({
  async *[Symbol.asyncIterator]() {
    yield* Stream.toAsyncIterableRuntime(stream, await runtime.runtime())
  },
})
