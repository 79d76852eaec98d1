import { it } from '@effect/vitest'
import { Deferred, Effect, Exit, Fiber } from 'effect'
import { describe, expect } from 'vitest'
import { WriteLock } from '../src/internal/writeLock.js'

/** Lets forked fibers run as far as they can. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

/** A lock held by a fiber until `release` is done; it then records `last` in `steps`. */
const heldLock = (last: string) =>
  Effect.gen(function* () {
    const lock = new WriteLock()
    const release = yield* Deferred.make<void>()
    const steps: Array<string> = []
    const holder = yield* Effect.fork(
      lock.alone(
        Effect.zipRight(
          Deferred.await(release),
          Effect.sync(() => steps.push(last)),
        ),
      ),
    )
    yield* settle
    return { lock, release, steps, holder }
  })

describe('a writer’s lock', () => {
  it.effect('runs one at a time: a second waits until the first has ended, then runs', () =>
    Effect.gen(function* () {
      const { lock, release, steps, holder } = yield* heldLock('first')
      const second = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('second'))))
      yield* settle
      expect(steps).toStrictEqual([])

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(second)
      expect(steps).toStrictEqual(['first', 'second'])
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
      const { lock, release, steps, holder } = yield* heldLock('stored')
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
      const { lock, release, steps, holder } = yield* heldLock('held')
      const gaveUp = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('gave up'))))
      const waited = yield* Effect.fork(lock.alone(Effect.sync(() => steps.push('waited'))))
      yield* settle
      yield* Fiber.interrupt(gaveUp)

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(waited)
      expect(steps).toStrictEqual(['held', 'waited'])
      expect(yield* lock.alone(Effect.succeed('free'))).toBe('free')
    }),
  )
})
