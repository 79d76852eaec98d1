import { Cause, Chunk, Duration, Effect, Option, Queue, type Scope, Stream } from 'effect'
import type { RunFailure, StoreError } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import type { FollowStep } from '../RunEngine.js'
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
 * writes them, a step at a time: each step waits until there is something to deliver or to
 * check, and answers what it delivered (maybe nothing). Events this engine stores arrive at once
 * through its signals; events another process stores (a run continued elsewhere: servers sharing
 * one database) are read from the store at a tick with nothing heard since the one before, so
 * within two `pollInterval`s of silence. Both sources are merged by sequence number: each event
 * is delivered once and in order. An event heard ahead of the next one expected (the one between
 * was stored by another process) makes the follower read the store to fill the gap first.
 *
 * A writer of this engine that dies without storing an ending fails the step after the one that
 * delivers what it stored.
 */
export const follower = (
  options: FollowOptions,
): Effect.Effect<Effect.Effect<FollowStep, RunFailure | StoreError>, never, Scope.Scope> => {
  const { signals, readAfter, until } = options
  const interval = Duration.decode(options.pollInterval)
  const ticking = Effect.forever(Effect.zipRight(Effect.sleep(interval), Queue.offer(signals, Tick)))

  /** The last sequence number delivered. */
  let last = options.afterSeq
  /** Whether the engine has said anything of the run since the last tick. */
  let heard = false
  let done = false
  /** A local writer's death, heard after events that are delivered first. */
  let failure: Cause.Cause<RunFailure> | undefined

  const deliverInto = (delivered: Array<RunEvent>) => (events: ReadonlyArray<RunEvent>) => {
    for (const event of events) {
      if (done) return
      if (event.seq <= last) continue
      // A gap: the events between are not stored yet; a later read or signal brings them.
      if (event.seq !== last + 1) return
      delivered.push(event)
      last = event.seq
      done = until(event)
    }
  }

  const step = Effect.gen(function* () {
    if (failure !== undefined) return yield* Effect.failCause(failure)
    if (done) return { events: [], done }
    const delivered: Array<RunEvent> = []
    const deliver = deliverInto(delivered)
    const fromStore = Effect.suspend(() => Effect.map(readAfter(last), deliver))

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
        // Ahead of the next one expected: the events between were stored by another process.
        if (signal.seq > last + 1) yield* fromStore
        deliver([signal])
      }
    }
    // What the writer stored before dying is delivered before its death.
    if (failure !== undefined && delivered.length === 0) return yield* Effect.failCause(failure)
    return { events: delivered, done }
  })

  return Effect.as(Effect.forkScoped(ticking), step)
}

/** The events a follower delivers, step by step, as a stream that ends after its last. */
export const stepsToStream = <StepError, OpenError, R>(
  open: Effect.Effect<Effect.Effect<FollowStep, StepError>, OpenError, R | Scope.Scope>,
): Stream.Stream<RunEvent, StepError | OpenError, Exclude<R, Scope.Scope>> =>
  Stream.unwrapScoped(
    Effect.map(open, (step) =>
      Stream.paginateChunkEffect(undefined, () =>
        Effect.map(
          step,
          ({ events, done }) =>
            [Chunk.unsafeFromArray(events), done ? Option.none() : Option.some(undefined)] as const,
        ),
      ),
    ),
  )
