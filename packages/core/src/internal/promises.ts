import { Cause, Effect, Exit, Fiber, type ManagedRuntime, Scope, Stream } from 'effect'
import type { FollowStep } from '../RunEngine.js'
import type { RunEvent } from '../RunEvent.js'

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

/**
 * A follower (`RunEngine.follower`) as an iterator, a step for each `next()` that finds nothing
 * left of the step before. Driving the steps directly rather than through a stream spares each
 * event a stream's machinery, which costs more than the step itself. `return()` interrupts a
 * step under way and lets go of the follower at once.
 */
export const followerToAsyncIterable = <R, StepError, OpenError>(
  runtime: ManagedRuntime.ManagedRuntime<R, never>,
  open: Effect.Effect<Effect.Effect<FollowStep, StepError>, OpenError, R | Scope.Scope>,
): AsyncIterable<RunEvent> => ({
  [Symbol.asyncIterator]() {
    const scope = Effect.runSync(Scope.make())
    let step: Effect.Effect<FollowStep, StepError | OpenError, R> = Effect.flatMap(
      Scope.extend(open, scope),
      (opened) => {
        step = opened
        return opened
      },
    )
    let events: ReadonlyArray<RunEvent> = []
    let index = 0
    let done = false
    let running: Fiber.RuntimeFiber<FollowStep, StepError | OpenError> | undefined
    const finish = async () => {
      done = true
      await Effect.runPromise(Scope.close(scope, Exit.void))
      return { done: true as const, value: undefined }
    }
    return {
      async next(): Promise<IteratorResult<RunEvent>> {
        while (index === events.length) {
          if (done) return finish()
          const fiber = runtime.runFork(step)
          running = fiber
          const exit = await new Promise<Exit.Exit<FollowStep, StepError | OpenError>>((resolve) =>
            fiber.addObserver(resolve),
          )
          running = undefined
          if (Exit.isFailure(exit)) {
            if (done || Exit.isInterrupted(exit)) return finish()
            await finish()
            throw Cause.squash(exit.cause)
          }
          events = exit.value.events
          index = 0
          done = exit.value.done
        }
        return { done: false, value: events[index++]! }
      },
      async return() {
        done = true
        if (running !== undefined) await Effect.runPromise(Fiber.interrupt(running))
        return finish()
      },
    }
  },
})
