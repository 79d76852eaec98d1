import { Cause, Chunk, Duration, Effect, Option, Queue, Stream } from 'effect'
import type { RunFailure, StoreError } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import type { Signal } from './signals.js'

/** How often a follower reads the store while it hears nothing, unless the engine is told otherwise. */
export const defaultPollInterval: Duration.Duration = Duration.millis(200)

/**
 * A follower's own tick, once every poll interval. Ticks come through the same queue as the
 * engine's signals, so a follower waits on one queue, with one timer for its whole life rather
 * than one for each wait: following a busy run costs a fraction of what it did.
 */
export const Tick = { _tag: 'Tick' } as const

/** What a follower hears: its engine's signals of the run, and its own ticks. */
export type Heard = Signal | typeof Tick

export interface FollowOptions {
  /** This engine's signals of the run, listened to before the store was last read; the follower adds its ticks. */
  readonly signals: Queue.Queue<Heard>
  /** The last sequence number the follower has delivered (or was given). */
  readonly afterSeq: number
  /** The run's stored events after a sequence number, in order. */
  readonly readAfter: (afterSeq: number) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /** How often the follower ticks: at a tick with nothing heard since the last, it reads the store. */
  readonly pollInterval: Duration.DurationInput
  /** The event the follower ends with: the run's next stop, or its ending. */
  readonly until: (event: RunEvent) => boolean
}

interface State {
  /** The last sequence number delivered. */
  readonly last: number
  /** Whether the engine has said anything of the run since the last tick. */
  readonly heard: boolean
  readonly done: boolean
  /** A local writer's death, heard after events that are delivered first. */
  readonly failure?: Cause.Cause<RunFailure>
}

/** A writer that lost the run to another writer: the run goes on, written by the winner. */
const lostToAnother = (cause: Cause.Cause<RunFailure>) => {
  const failures = Chunk.toReadonlyArray(Cause.failures(cause))
  return (
    failures.length > 0 &&
    failures.every((failure) => failure._tag === 'RunClaimed') &&
    !Cause.isDie(cause) &&
    !Cause.isInterrupted(cause)
  )
}

/**
 * A run's events after `afterSeq`, up to and including the first that `until` holds for, whoever
 * writes them. Events this engine stores arrive at once through its signals; events another
 * process stores (a run continued elsewhere: servers sharing one database) are read from the
 * store at a tick with nothing heard since the one before, so within two `pollInterval`s of
 * silence. Both sources are merged by sequence number: each event is delivered once and in
 * order. An event heard ahead of the next one expected (the one between was stored by another
 * process) makes the follower read the store to fill the gap first.
 *
 * A writer of this engine that dies without storing an ending fails the stream, as it always has.
 */
export const follow = (options: FollowOptions): Stream.Stream<RunEvent, RunFailure | StoreError> => {
  const { signals, readAfter, until } = options
  const interval = Duration.decode(options.pollInterval)
  const ticking = Effect.forever(Effect.zipRight(Effect.sleep(interval), Queue.offer(signals, Tick)))

  /** The stored events after `last` that follow on from it without a gap, to the last one to deliver. */
  const consecutive = (last: number, events: ReadonlyArray<RunEvent>) => {
    const next: Array<RunEvent> = []
    let seq = last
    for (const event of events) {
      if (event.seq <= seq) continue
      if (event.seq !== seq + 1) break
      next.push(event)
      seq = event.seq
      if (until(event)) break
    }
    return next
  }

  const step = (state: State) =>
    Effect.gen(function* () {
      if (state.failure !== undefined) return yield* Effect.failCause(state.failure)
      const delivered: Array<RunEvent> = []
      let { last, heard } = state
      let done = false
      let failure: Cause.Cause<RunFailure> | undefined
      const deliver = (events: ReadonlyArray<RunEvent>) => {
        if (done) return
        for (const event of consecutive(last, events)) {
          delivered.push(event)
          last = event.seq
          done = until(event)
        }
      }
      const fromStore = Effect.map(readAfter(last), deliver)

      const batch = [yield* Queue.take(signals), ...Chunk.toReadonlyArray(yield* Queue.takeAll(signals))]
      for (const signal of batch) {
        if (done || failure !== undefined) break
        if (signal._tag === 'Tick') {
          // Silence since the last tick: someone else may be writing the run.
          if (!heard) yield* fromStore
          heard = false
        } else if (signal._tag === 'WriterDied') {
          // Another writer holds the run (another engine, maybe another process): the store will tell.
          if (!lostToAnother(signal.cause)) failure = signal.cause
        } else {
          heard = true
          if (signal.seq <= last) continue
          // Ahead of the next one expected: the events between were stored by another process.
          if (signal.seq > last + 1) yield* fromStore
          deliver([signal])
        }
      }
      // What the writer stored before dying is delivered before its death.
      if (failure !== undefined && delivered.length === 0) return yield* Effect.failCause(failure)
      const next: State = failure === undefined ? { last, heard, done } : { last, heard, done, failure }
      return [Chunk.unsafeFromArray(delivered), next] as const
    })

  return Stream.unwrapScoped(
    Effect.as(
      Effect.forkScoped(ticking),
      Stream.paginateChunkEffect({ last: options.afterSeq, heard: false, done: false }, (state) =>
        Effect.map(
          step(state),
          ([chunk, next]) => [chunk, next.done ? Option.none() : Option.some(next)] as const,
        ),
      ),
    ),
  )
}
