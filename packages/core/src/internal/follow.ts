import { Cause, Chunk, Duration, Effect, type Mailbox, Option, type Scope, Stream } from 'effect'
import type { RunFailure, StoreError } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import type { FollowStep } from '../RunEngine.js'
import type { Heard } from './followedRuns.js'

/** How often an engine reads the store for the runs it has followers of, unless told otherwise. */
export const defaultPollInterval: Duration.Duration = Duration.millis(200)

export interface FollowOptions {
  /**
   * What the follower hears of the run (see `FollowedRuns.listen`): its engine's signals, and the
   * engine's reads of the store, listened to before the follower last read the store itself.
   */
  readonly heard: Mailbox.ReadonlyMailbox<Heard>
  /** The last sequence number the follower has delivered (or was given). */
  readonly afterSeq: number
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
 * one database) through the engine's reads of the store (`FollowedRuns`), within two poll
 * intervals of silence. Both are merged by sequence number: each event is delivered once and in
 * order. An event heard ahead of the next one expected (the ones between were stored by another
 * process) waits for the engine's next read, which brings those between.
 *
 * A writer of this engine that dies without storing an ending fails the step after the one that
 * delivers what it stored; so does a failed read of the store.
 */
export const follower = (options: FollowOptions): Effect.Effect<FollowStep, RunFailure | StoreError> => {
  const { heard, until } = options

  /** The last sequence number delivered. */
  let last = options.afterSeq
  let done = false
  /** A local writer's death or a failed read, heard after events that are delivered first. */
  let failure: Cause.Cause<RunFailure | StoreError> | undefined

  const deliver = (delivered: Array<RunEvent>, event: RunEvent) => {
    // Delivered already; or ahead, its predecessors not read yet: a later read brings them, and it.
    if (event.seq !== last + 1) return
    delivered.push(event)
    last = event.seq
    done = until(event)
  }

  return Effect.gen(function* () {
    if (failure !== undefined) return yield* Effect.failCause(failure)
    if (done) return { events: [], done }
    const delivered: Array<RunEvent> = []
    const [batch, closed] = yield* heard.takeAll
    // Closed with the follower's scope only: a next step would wait on nothing.
    if (closed && batch.length === 0) return yield* Effect.interrupt
    for (const signal of batch) {
      if (done || failure !== undefined) break
      if (signal._tag === 'ReadFailed') failure = Cause.fail(signal.error)
      else if (signal._tag === 'WriterDied') {
        // Another writer holds the run (another engine, maybe another process): the store will tell.
        if (!lostToAnother(signal.cause)) failure = signal.cause
      } else deliver(delivered, signal)
    }
    // What the writer stored before dying is delivered before its death.
    if (failure !== undefined && delivered.length === 0) return yield* Effect.failCause(failure)
    return { events: delivered, done }
  })
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
