import { it } from '@effect/vitest'
import { Cause, Chunk, Deferred, Duration, Effect, Exit, Fiber, Mailbox, Stream, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import {
  defineAgent,
  MemoryStore,
  Resolutions,
  RunClaimed,
  type MovedRun,
  type RunEvent,
  RunNotFound,
  type RunStore,
  ScriptedModel,
  StoreError,
} from '../src/index.js'
import { isStop } from '../src/RunEvent.js'
import { follower, stepsToStream } from '../src/internal/follow.js'
import { FollowedRuns, type Heard } from '../src/internal/followedRuns.js'
import { RunSignals, type Signal } from '../src/internal/signals.js'
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

describe('follow: merging what the engine says with what its reader reads of the store', () => {
  const runId = 'run-1'
  const event = (seq: number, tag: 'RunContinued' | 'RunCompleted' = 'RunContinued', of = runId): RunEvent =>
    tag === 'RunCompleted'
      ? { _tag: 'RunCompleted', runId: of, seq, at: 0, content: 'done' }
      : { _tag: 'RunContinued', runId: of, seq, at: 0 }

  /** A store whose reads of followed runs are counted, and an engine's signals and reader over it. */
  const reader = Effect.gen(function* () {
    const memory = MemoryStore.make()
    const reads: Array<ReadonlyArray<string>> = []
    let failing = false
    /** A mark that stays as it is: a writer died between its events and the mark. */
    let markFrozen = false
    let marksRead = 0
    /** Each batch stored elsewhere, as the run it moved: the mark is their number. */
    const moves: Array<MovedRun> = []
    /** Whether the store says which runs moved since a mark, as MongoDB does; else it says nothing, as here. */
    let saysMoved = false
    const store: RunStore = {
      ...memory,
      eventsMark: (since) =>
        Effect.suspend(() => {
          marksRead++
          if (markFrozen) return Effect.succeed({ mark: 'frozen' })
          const mark = String(moves.length)
          return Effect.succeed(
            saysMoved && since !== undefined ? { mark, moved: moves.slice(Number(since.mark)) } : { mark },
          )
        }),
      readEventsOfRuns: (cursors, limit) =>
        failing
          ? Effect.fail(new StoreError({ operation: 'readEventsOfRuns', reason: 'the database is down' }))
          : Effect.suspend(() => {
              reads.push(cursors.map((cursor) => cursor.runId))
              return memory.readEventsOfRuns(cursors, limit)
            }),
    }
    const signals = new RunSignals()
    const followed = new FollowedRuns(store, signals, Duration.millis(interval), yield* Effect.scope)
    /** What the engine does when its writer stores and announces an event. */
    const say = (signal: Signal) => Effect.zipRight(signals.publish(signal), followed.heard(signal))
    /** Another process stores events: the engine hears nothing of them. */
    const storeElsewhere = (...events: ReadonlyArray<RunEvent>) =>
      Effect.tap(
        memory.appendBatch({ runId: events[0]!.runId, events, transcriptStart: 0, messages: [] }),
        () => moves.push({ runId: events[0]!.runId, seq: events.at(-1)!.seq }),
      )
    /** A follower of the run after `afterSeq`, as the engine makes one, collected until it ends. */
    const follow = (afterSeq: number, of = runId) =>
      Effect.gen(function* () {
        // Listening in the stream's scope, as the engine's followers do: a follower that ends leaves.
        const listening = yield* Deferred.make<void>()
        const stream = stepsToStream(
          Effect.gen(function* () {
            const heard = yield* followed.listen(of)
            yield* followed.from(of, afterSeq)
            yield* Deferred.succeed(listening, undefined)
            return follower({ heard, afterSeq, until: isStop })
          }),
        )
        const following = yield* Effect.fork(Stream.runCollect(stream))
        yield* Deferred.await(listening)
        return Effect.map(Fiber.join(following), Chunk.toReadonlyArray)
      })
    const fail = (down: boolean) => Effect.sync(() => (failing = down))
    const freezeMark = Effect.sync(() => (markFrozen = true))
    const marks = Effect.sync(() => marksRead)
    const sayMoved = (says: boolean) => Effect.sync(() => (saysMoved = says))
    return { say, storeElsewhere, follow, reads, fail, freezeMark, marks, sayMoved }
  })

  it.scoped('an event heard ahead of the next waits for the next read, which brings those between', () =>
    Effect.gen(function* () {
      const { say, storeElsewhere, follow, reads } = yield* reader
      const result = yield* follow(1)
      // Events 2 and 3 were stored by another process; this engine then stores and announces 4 and 5.
      yield* storeElsewhere(event(2), event(3), event(4), event(5, 'RunCompleted'))
      yield* say(event(4))
      yield* say(event(5, 'RunCompleted'))
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      expect(seqs(yield* result)).toEqual([2, 3, 4, 5])
      expect(reads).toHaveLength(1)
    }),
  )

  it.scoped('while the events’ mark stays, reads the mark alone; once it moves, the runs', () =>
    Effect.gen(function* () {
      const { storeElsewhere, follow, reads, marks } = yield* reader
      const result = yield* follow(0)
      yield* untilSleeping
      // The follower just started: what was stored since its own read is read whatever the mark.
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      expect(reads).toHaveLength(1)
      for (let poll = 0; poll < 10; poll++) {
        yield* TestClock.adjust(interval)
        yield* untilSleeping
      }
      expect(reads).toHaveLength(1)
      expect(yield* marks).toBe(11)
      // Another process stores events: the mark moves, and the next poll reads them.
      yield* storeElsewhere(event(1), event(2, 'RunCompleted'))
      yield* TestClock.adjust(interval)
      expect(seqs(yield* result)).toEqual([1, 2])
      expect(reads).toHaveLength(2)
    }),
  )

  it.scoped(
    'when the store says which runs moved, reads only the runs followed that moved past their cursor',
    () =>
      Effect.gen(function* () {
        const { say, storeElsewhere, follow, reads, sayMoved } = yield* reader
        yield* sayMoved(true)
        const a = yield* follow(0, 'run-a')
        yield* follow(0, 'run-b')
        const c = yield* follow(0, 'run-c')
        yield* untilSleeping
        // The followers just started: their runs are read whatever the mark.
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        expect(reads).toEqual([['run-a', 'run-b', 'run-c']])
        // Run a moved elsewhere, a run nobody here follows too, and run c here (heard): only run a is read.
        yield* storeElsewhere(event(1, 'RunContinued', 'run-a'))
        yield* storeElsewhere(event(1, 'RunContinued', 'run-x'))
        yield* storeElsewhere(event(1, 'RunCompleted', 'run-c'))
        yield* say(event(1, 'RunCompleted', 'run-c'))
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        expect(reads).toEqual([['run-a', 'run-b', 'run-c'], ['run-a']])
        expect(seqs(yield* c)).toEqual([1])
        // The mark moves for a run nobody here follows: nothing is read.
        yield* storeElsewhere(event(2, 'RunContinued', 'run-x'))
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        expect(reads).toHaveLength(2)
        yield* storeElsewhere(event(2, 'RunCompleted', 'run-a'))
        yield* TestClock.adjust(interval)
        expect(seqs(yield* a)).toEqual([1, 2])
        expect(reads).toEqual([['run-a', 'run-b', 'run-c'], ['run-a'], ['run-a']])
      }),
  )

  it.scoped(
    'when the store cannot say which runs moved since the last read, every run followed is read',
    () =>
      Effect.gen(function* () {
        const { storeElsewhere, follow, reads, sayMoved } = yield* reader
        yield* sayMoved(true)
        yield* follow(0, 'run-a')
        const b = yield* follow(0, 'run-b')
        yield* untilSleeping
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        // Its list of moves overflowed, or lost a write: the mark moved, and it says nothing more.
        yield* sayMoved(false)
        yield* storeElsewhere(event(1, 'RunCompleted', 'run-b'))
        yield* TestClock.adjust(interval)
        expect(seqs(yield* b)).toEqual([1])
        expect(reads).toEqual([
          ['run-a', 'run-b'],
          ['run-a', 'run-b'],
        ])
      }),
  )

  it.scoped('events stored without moving the mark are read at the next full read', () =>
    Effect.gen(function* () {
      const { storeElsewhere, follow, reads, freezeMark } = yield* reader
      yield* freezeMark
      const result = yield* follow(0)
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      yield* storeElsewhere(event(1, 'RunCompleted'))
      // The first poll read the run (just followed); the next 23 read the mark alone; the 25th reads the run.
      for (let poll = 2; poll < 25; poll++) {
        yield* TestClock.adjust(interval)
        yield* untilSleeping
      }
      expect(reads).toHaveLength(1)
      yield* TestClock.adjust(interval)
      expect(seqs(yield* result)).toEqual([1])
      expect(reads).toHaveLength(2)
    }),
  )

  it.scoped('drops what it has delivered already, heard twice or read twice', () =>
    Effect.gen(function* () {
      const { say, storeElsewhere, follow } = yield* reader
      const result = yield* follow(0)
      yield* storeElsewhere(event(1), event(2))
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      yield* untilSleeping
      // Heard again from the engine, they change nothing.
      yield* say(event(1))
      yield* say(event(2))
      yield* storeElsewhere(event(3, 'RunCompleted'))
      yield* say(event(3, 'RunCompleted'))
      yield* say(event(3, 'RunCompleted'))
      const events = yield* result
      expect(seqs(events)).toEqual([1, 2, 3])
      expect(tags(events).at(-1)).toBe('RunCompleted')
    }),
  )

  it.scoped(
    'one read an interval for every follower of every run, each follower getting each event once',
    () =>
      Effect.gen(function* () {
        const { storeElsewhere, follow, reads } = yield* reader
        const runs = ['run-a', 'run-b', 'run-c']
        const results = []
        for (const of of runs) for (let index = 0; index < 100; index++) results.push(yield* follow(0, of))
        yield* untilSleeping
        // Nothing stored yet: the reads find nothing, one an interval.
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        expect(reads).toEqual([runs])
        for (const of of runs)
          yield* storeElsewhere(event(1, 'RunContinued', of), event(2, 'RunContinued', of))
        yield* TestClock.adjust(interval)
        yield* untilSleeping
        for (const of of runs) yield* storeElsewhere(event(3, 'RunCompleted', of))
        yield* TestClock.adjust(interval)
        for (const result of results) expect(seqs(yield* result)).toEqual([1, 2, 3])
        expect(reads).toEqual([runs, runs, runs])
      }),
  )

  it.scoped('a failed read fails the followers it was for; the reader reads again at the next poll', () =>
    Effect.gen(function* () {
      const { storeElsewhere, follow, fail, reads } = yield* reader
      const failed = yield* follow(0)
      yield* untilSleeping
      yield* fail(true)
      yield* TestClock.adjust(interval)
      const exit = yield* Effect.exit(failed)
      expect(exit).toMatchObject({ _tag: 'Failure', cause: { error: { _tag: 'StoreError' } } })

      yield* fail(false)
      const later = yield* follow(0)
      yield* storeElsewhere(event(1, 'RunCompleted'))
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      expect(seqs(yield* later)).toEqual([1])
      expect(reads).toHaveLength(1)
    }),
  )

  it.scoped('reads nothing once nobody follows anything', () =>
    Effect.gen(function* () {
      const { storeElsewhere, follow, reads } = yield* reader
      const result = yield* follow(0)
      yield* storeElsewhere(event(1, 'RunCompleted'))
      yield* untilSleeping
      yield* TestClock.adjust(interval)
      expect(seqs(yield* result)).toEqual([1])
      // The reader's last sleep ends finding nothing followed: it stops, asleep on nothing.
      yield* TestClock.adjust(interval)
      yield* TestClock.adjust(interval)
      expect(Chunk.toReadonlyArray(yield* TestClock.sleeps())).toEqual([])
      expect(reads).toHaveLength(1)
    }),
  )

  it.scoped(
    'a writer of this engine that dies fails the follower, after what it stored; one that lost the run to another writer does not',
    () =>
      Effect.gen(function* () {
        const died = yield* reader
        const diedResult = yield* died.follow(0)
        yield* died.storeElsewhere(event(1))
        yield* died.say(event(1))
        yield* died.say({ _tag: 'WriterDied', runId, cause: Cause.die('boom') })
        const exit = yield* Effect.exit(diedResult)
        expect(exit._tag).toBe('Failure')

        const lost = yield* reader
        const lostResult = yield* lost.follow(0)
        yield* lost.say({ _tag: 'WriterDied', runId, cause: Cause.fail(new RunClaimed({ runId, epoch: 2 })) })
        yield* lost.storeElsewhere(event(1), event(2, 'RunCompleted'))
        yield* untilSleeping
        yield* TestClock.adjust(interval)
        expect(seqs(yield* lostResult)).toEqual([1, 2])
      }),
  )
})

describe('a follower whose listener is closed', () => {
  it.effect('ends its step interrupted, rather than waiting on a mailbox nothing will fill', () =>
    Effect.gen(function* () {
      const heard = yield* Mailbox.make<Heard>()
      yield* heard.shutdown

      const exit = yield* Effect.exit(follower({ heard, afterSeq: 0, until: isStop }))

      expect(Exit.isInterrupted(exit)).toBe(true)
    }),
  )
})
