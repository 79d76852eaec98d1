import { it } from '@effect/vitest'
import { Deferred, Effect, Exit, Fiber } from 'effect'
import { describe, expect } from 'vitest'
import { WriteLock } from '../src/internal/writeLock.js'

/** Lets forked fibers run as far as they can. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe('a writer’s lock', () => {
  it.effect('runs one at a time: a second waits until the first has ended, then runs', () =>
    Effect.gen(function* () {
      const lock = new WriteLock()
      const steps: Array<string> = []
      const release = yield* Deferred.make<void>()
      const first = yield* Effect.fork(
        lock.alone(
          Effect.gen(function* () {
            steps.push('first in')
            yield* Deferred.await(release)
            steps.push('first out')
          }),
        ),
      )
      yield* settle
      const second = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('second'))))
      yield* settle
      expect(steps).toStrictEqual(['first in'])

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(steps).toStrictEqual(['first in', 'first out', 'second'])
    }),
  )

  it.effect('is freed by a failure and a defect, which are passed on', () =>
    Effect.gen(function* () {
      const lock = new WriteLock()
      expect(Exit.isFailure(yield* Effect.exit(lock.alone(Effect.fail('refused'))))).toBe(true)
      expect(Exit.isFailure(yield* Effect.exit(lock.alone(Effect.die('broken'))))).toBe(true)
      expect(yield* lock.alone(Effect.succeed('after'))).toBe('after')
    }),
  )

  it.effect('what runs under it is not interrupted: it ends, and then the lock is free', () =>
    Effect.gen(function* () {
      const lock = new WriteLock()
      const release = yield* Deferred.make<void>()
      const steps: Array<string> = []
      const holder = yield* Effect.fork(
        lock.alone(
          Effect.zipRight(
            Deferred.await(release),
            Effect.sync(() => steps.push('stored')),
          ),
        ),
      )
      yield* settle
      const interrupting = yield* Effect.fork(Fiber.interrupt(holder))
      yield* settle
      expect(steps).toStrictEqual([])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(interrupting)
      expect(steps).toStrictEqual(['stored'])
      expect(yield* lock.alone(Effect.succeed('free'))).toBe('free')
    }),
  )

  it.effect('a waiter interrupted while it waits runs nothing, and the others still get their turn', () =>
    Effect.gen(function* () {
      const lock = new WriteLock()
      const release = yield* Deferred.make<void>()
      const steps: Array<string> = []
      const holder = yield* Effect.fork(lock.alone(Deferred.await(release)))
      yield* settle
      const gaveUp = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('gave up'))))
      const waited = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('waited'))))
      yield* settle
      yield* Fiber.interrupt(gaveUp)

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(waited)
      expect(steps).toStrictEqual(['waited'])
      expect(yield* lock.alone(Effect.succeed('free'))).toBe('free')
    }),
  )
})
