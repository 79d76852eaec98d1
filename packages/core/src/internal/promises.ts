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

/**
 * A plain iterator rather than an async generator: a generator queues `return()` behind a pending
 * `next()`, so a consumer that stops while waiting for a live event would keep the stream (and its
 * subscription) until the next event came. Here `return()` interrupts the stream at once.
 */
export const toAsyncIterable = <R, A, E>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  stream: Stream.Stream<A, E, R>,
): AsyncIterable<A> => ({
  [Symbol.asyncIterator]() {
    const iterator = runtime
      .runtime()
      .then((built) => Stream.toAsyncIterableRuntime(stream, built)[Symbol.asyncIterator]())
    return {
      next: () => iterator.then((started) => started.next()),
      return: () =>
        iterator.then((started) => started.return?.() ?? { done: true as const, value: undefined }),
    }
  },
})
