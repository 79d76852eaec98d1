import { it } from '@effect/vitest'
import { Cause, Chunk, Effect, Fiber, Queue, Stream, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import {
  defineAgent,
  MemoryStore,
  Resolutions,
  RunClaimed,
  type RunEvent,
  RunNotFound,
  ScriptedModel,
} from '../src/index.js'
import { isStop } from '../src/RunEvent.js'
import { follower, type Heard, stepsToStream } from '../src/internal/follow.js'
import { engineOn, makeLedger, untilSleeping, weatherTool } from './fixtures.js'

/*
 * Several engines (processes, in production) share one store: a run written by one is followed
 * through another, which hears its own engine at once and reads the store for the rest.
 */

const interval = 250

const setup = () => {
  const ledger = makeLedger()
  const agent = defineAgent({
    id: 'assistant',
    name: 'Assistant',
    model: ScriptedModel.make([
      { toolCalls: [{ name: 'get_the_weather', args: { city: 'Oslo' } }] },
      'Cold.',
    ]),
    tools: [weatherTool(ledger, { requiresConfirmation: true })],
  })
  return { agent, ledger, store: MemoryStore.make() }
}

const seqs = (events: Iterable<RunEvent>) => [...events].map((event) => event.seq)
const tags = (events: Iterable<RunEvent>) => [...events].map((event) => event._tag)
const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index)

describe('following a run another engine writes', () => {
  it.scoped('delivers every event engine A stores to a follower on engine B, once and in order', () =>
    Effect.gen(function* () {
      const { agent, ledger, store } = setup()
      const [a, b] = [
        yield* engineOn(store, { eventPollInterval: interval }),
        yield* engineOn(store, { eventPollInterval: interval }),
      ]
      const paused = yield* a.run(agent, 'Weather in Oslo?')
      const pausedAt = (yield* store.readEvents(paused.runId, 0)).length

      const follower = yield* Effect.fork(Stream.runCollect(b.followRun(agent, paused.runId, pausedAt)))
      yield* untilSleeping
      const done = yield* a.continueRun(agent, {
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)],
      })
      expect(done.status).toBe('completed')
      // Engine B heard nothing of it: its follower reads the store at its next poll.
      yield* TestClock.adjust(interval)
      const events = Chunk.toReadonlyArray(yield* Fiber.join(follower))

      expect(tags(events)[0]).toBe('RequirementResolved')
      expect(tags(events).at(-1)).toBe('RunCompleted')
      expect(seqs(events)).toEqual(range(pausedAt + 1, events.length))
      expect(events).toEqual(yield* store.readEvents(paused.runId, pausedAt))
      expect(ledger.count('get_the_weather')).toBe(1)
    }),
  )

  it.scoped("hears its own engine's events at once, without waiting for a poll", () =>
    Effect.gen(function* () {
      const { agent, store } = setup()
      const a = yield* engineOn(store, { eventPollInterval: interval })
      const paused = yield* a.run(agent, 'Weather in Oslo?')
      const pausedAt = (yield* store.readEvents(paused.runId, 0)).length
      const follower = yield* Effect.fork(Stream.runCollect(a.followRun(agent, paused.runId, pausedAt)))
      yield* untilSleeping
      yield* a.continueRun(agent, {
        runId: paused.runId,
        resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)],
      })
      // The clock never moves: every event came through the engine itself.
      const events = Chunk.toReadonlyArray(yield* Fiber.join(follower))
      expect(seqs(events)).toEqual(range(pausedAt + 1, events.length))
      expect(tags(events).at(-1)).toBe('RunCompleted')
    }),
  )

  it.scoped('a follower on a third engine sees a run resolved and continued through a second', () =>
    Effect.gen(function* () {
      const { agent, ledger, store } = setup()
      const [a, b, c] = [
        yield* engineOn(store, { eventPollInterval: interval }),
        yield* engineOn(store, { eventPollInterval: interval }),
        yield* engineOn(store, { eventPollInterval: interval }),
      ]
      const paused = yield* a.run(agent, 'Weather in Oslo?')
      const pausedAt = (yield* store.readEvents(paused.runId, 0)).length
      const follower = yield* Effect.fork(Stream.runCollect(c.followRun(agent, paused.runId, pausedAt)))
      yield* untilSleeping
      yield* b.resolve(agent, paused.runId, [Resolutions.confirm(paused.activeRequirements[0]!.id)])
      // Polls that find nothing deliver nothing.
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      yield* b.continueRun(agent, { runId: paused.runId })
      yield* TestClock.adjust(interval)
      const events = Chunk.toReadonlyArray(yield* Fiber.join(follower))
      expect(tags(events)).toEqual(tags(yield* store.readEvents(paused.runId, pausedAt)))
      expect(seqs(events)).toEqual(range(pausedAt + 1, events.length))
      expect(ledger.count('get_the_weather')).toBe(1)
    }),
  )

  it.scoped(
    'a follower driven step by step delivers what is stored first, then each live event once, then nothing',
    () =>
      Effect.gen(function* () {
        const { agent, store } = setup()
        const a = yield* engineOn(store, { eventPollInterval: interval })
        const paused = yield* a.run(agent, 'Weather in Oslo?')
        const stored = yield* store.readEvents(paused.runId, 0)

        const step = yield* a.follower(agent, paused.runId, 0, { until: 'end' })
        const first = yield* step
        expect(first).toEqual({ events: stored, done: false })
        const continuing = yield* Effect.fork(
          a.continueRun(agent, {
            runId: paused.runId,
            resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)],
          }),
        )
        const live: Array<RunEvent> = []
        for (let done = false; !done;) {
          const next = yield* step
          live.push(...next.events)
          done = next.done
        }
        yield* Fiber.join(continuing)
        expect([...stored, ...live]).toEqual(yield* store.readEvents(paused.runId, 0))
        expect(tags(live).at(-1)).toBe('RunCompleted')
        expect(yield* step).toEqual({ events: [], done: true })
      }),
  )

  it.effect('an unknown run is not found', () =>
    Effect.gen(function* () {
      const { agent, store } = setup()
      const b = yield* engineOn(store, { eventPollInterval: interval })
      const error = yield* Effect.flip(Stream.runDrain(b.followRun(agent, 'nope')))
      expect(error).toBeInstanceOf(RunNotFound)
    }).pipe(Effect.scoped),
  )
})

describe('follow: merging what the engine says with what the store holds', () => {
  const runId = 'run-1'
  const event = (seq: number, tag: 'RunContinued' | 'RunCompleted' = 'RunContinued'): RunEvent =>
    tag === 'RunCompleted'
      ? { _tag: 'RunCompleted', runId, seq, at: 0, content: 'done' }
      : { _tag: 'RunContinued', runId, seq, at: 0 }

  /** A store of one run's events, and a follower of it after `afterSeq` with its engine's signals. */
  const harness = (afterSeq: number) =>
    Effect.gen(function* () {
      const stored: Array<RunEvent> = []
      let reads = 0
      const signals = yield* Queue.unbounded<Heard>()
      const following = yield* Effect.fork(
        Stream.runCollect(
          stepsToStream(
            follower({
              signals,
              afterSeq,
              pollInterval: interval,
              until: isStop,
              readAfter: (seq) => Effect.sync(() => (reads++, stored.filter((each) => each.seq > seq))),
            }),
          ),
        ),
      )
      const store = (...events: ReadonlyArray<RunEvent>) => stored.push(...events)
      const result = Effect.map(Fiber.join(following), Chunk.toReadonlyArray)
      return { signals, store, result, reads: () => reads }
    })

  it.effect('fills a gap from the store before delivering an event heard ahead of it', () =>
    Effect.gen(function* () {
      const { signals, store, result, reads } = yield* harness(1)
      // Events 2 and 3 were stored by another process; this engine then stores and announces 4 and 5.
      store(event(2), event(3), event(4), event(5, 'RunCompleted'))
      yield* Queue.offerAll(signals, [event(4), event(5, 'RunCompleted')])
      expect(seqs(yield* result)).toEqual([2, 3, 4, 5])
      expect(reads()).toBe(1)
    }),
  )

  it.effect('reads the store only at a tick with nothing heard since the one before', () =>
    Effect.gen(function* () {
      const { signals, store, result, reads } = yield* harness(0)
      store(event(1))
      yield* Queue.offer(signals, event(1))
      yield* untilSleeping
      // The engine spoke in this interval: the run is written here, nothing to read.
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      expect(reads()).toBe(0)
      // A whole interval of silence: someone else may be writing it.
      store(event(2, 'RunCompleted'))
      yield* TestClock.adjust(interval)
      expect(seqs(yield* result)).toEqual([1, 2])
      expect(reads()).toBe(1)
    }),
  )

  it.effect('drops what it has delivered already, heard twice or read twice', () =>
    Effect.gen(function* () {
      const { signals, store, result } = yield* harness(0)
      store(event(1), event(2))
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      // Heard again from the engine, they change nothing.
      yield* Queue.offerAll(signals, [event(1), event(2)])
      store(event(3, 'RunCompleted'))
      yield* Queue.offer(signals, event(3, 'RunCompleted'))
      yield* Queue.offer(signals, event(3, 'RunCompleted'))
      const events = yield* result
      expect(seqs(events)).toEqual([1, 2, 3])
      expect(tags(events).at(-1)).toBe('RunCompleted')
    }),
  )

  it.effect(
    'a writer of this engine that dies fails the follower, after what it stored; one that lost the run to another writer does not',
    () =>
      Effect.gen(function* () {
        const died = yield* harness(0)
        yield* Queue.offerAll(died.signals, [
          event(1),
          { _tag: 'WriterDied', runId, cause: Cause.die('boom') },
        ])
        died.store(event(1))
        const exit = yield* Effect.exit(died.result)
        expect(exit._tag).toBe('Failure')

        const lost = yield* harness(0)
        yield* Queue.offer(lost.signals, {
          _tag: 'WriterDied',
          runId,
          cause: Cause.fail(new RunClaimed({ runId, epoch: 2 })),
        })
        lost.store(event(1), event(2, 'RunCompleted'))
        yield* untilSleeping
        yield* TestClock.adjust(interval)
        expect(seqs(yield* lost.result)).toEqual([1, 2])
      }),
  )
})
