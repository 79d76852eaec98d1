import { it } from '@effect/vitest'
import { Chunk, Effect, Exit, Option, Scope } from 'effect'
import { describe, expect } from 'vitest'
import type { RunEvent } from '../src/index.js'
import { RunSignals } from '../src/internal/signals.js'

const continued = (runId: string, seq: number): RunEvent => ({ _tag: 'RunContinued', runId, seq, at: 0 })

describe('RunSignals: each run to its own listeners', () => {
  it.effect("a listener hears its run's signals, in order, and no other run's", () =>
    Effect.gen(function* () {
      const signals = new RunSignals()
      const scope = yield* Scope.make()
      const first = yield* Scope.extend(signals.listen('run-1'), scope)
      const second = yield* Scope.extend(signals.listen('run-1'), scope)
      const other = yield* Scope.extend(signals.listen('run-2'), scope)
      yield* signals.publish(continued('run-1', 1))
      yield* signals.publish(continued('run-3', 1))
      yield* signals.publish(continued('run-1', 2))
      for (const mailbox of [first, second])
        expect(
          Chunk.toReadonlyArray((yield* mailbox.takeAll)[0]).map(
            (signal) => signal.runId + '#' + (signal as RunEvent).seq,
          ),
        ).toEqual(['run-1#1', 'run-1#2'])
      expect(yield* other.size).toStrictEqual(Option.some(0))
      yield* Scope.close(scope, Exit.void)
      // Closed: the listener is gone, and its mailbox takes nothing more.
      yield* signals.publish(continued('run-1', 3))
      expect(first.unsafeOffer(continued('run-1', 4))).toBe(false)
      expect(yield* first.takeAll).toStrictEqual([Chunk.empty(), true])
    }),
  )

  it("a writer waits a turn of the event loop for its run's listeners, and only while it has some", () => {
    const signals = new RunSignals()
    // Without listeners the writer goes straight on: runSync throws on anything asynchronous.
    expect(() => Effect.runSync(signals.letListenersHear('run-1'))).not.toThrow()
    const scope = Effect.runSync(Scope.make())
    Effect.runSync(Scope.extend(signals.listen('run-1'), scope))
    expect(() => Effect.runSync(signals.letListenersHear('run-1'))).toThrow()
    expect(() => Effect.runSync(signals.letListenersHear('run-2'))).not.toThrow()
    Effect.runSync(Scope.close(scope, Exit.void))
    expect(() => Effect.runSync(signals.letListenersHear('run-1'))).not.toThrow()
  })
})
