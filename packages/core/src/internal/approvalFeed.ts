import { Chunk, Clock, Duration, Effect, Option, Queue, Stream } from 'effect'
import { type ApprovalChange, ApprovalUpdate } from '../Approval.js'
import { StoreError } from '../Errors.js'
import type { RunStore } from '../RunStore.js'

/** How long the feed waits for a change whose number is missing before it goes past it, unless told otherwise. */
export const defaultGracePeriod: Duration.Duration = Duration.seconds(2)

/** How many changes one read of the store takes. */
export const pageSize = 100

/**
 * Every how many reads the changes are read whatever the queue's last number says: a change the
 * counter shows late (FerretDB 1.x may lose an increment, see the MongoDB store's
 * approvalChanges.ts) waits at most this many intervals.
 */
const fullReadEvery = 25

export interface ApprovalFeedOptions {
  readonly store: RunStore
  /** Word of this engine's approval writes, subscribed to before `afterSeq` was read. */
  readonly wakeups: Queue.Dequeue<void>
  /** The last change the follower has (or was given). */
  readonly afterSeq: number
  /** How long the feed waits without word before it reads the store (for other processes' writes). */
  readonly pollInterval: Duration.DurationInput
  /** How long a missing number is waited for (see `RunStore.readApprovalChanges`). */
  readonly gracePeriod: Duration.DurationInput
}

interface State {
  /** The last change delivered. */
  readonly last: number
  /** When the store is next read, by the Clock, unless word comes before. */
  readonly readAt: number
  /** The missing number the feed is waiting on, and since when (by the Clock). */
  readonly hole?: { readonly seq: number; readonly since: number }
  /** Reads since the changes were last read whatever the last number said. */
  readonly sinceFullRead: number
}

/**
 * The changes of the queue after `options.afterSeq`, each once and in order, for as long as it
 * is consumed. Changes this engine writes are read at once (its wake-ups); others, after each
 * `pollInterval` of silence. Each read first asks for the queue's last number
 * (`RunStore.lastApprovalChangeSeq`, one small document on MongoDB) and reads the changes only
 * past it: while nothing happens, the feed's reads cost the same whatever the journal's size.
 *
 * A store may show a change before one numbered lower (MongoDB numbers a change after its
 * approval's write, and may never write one at all: see `RunStore`). So a hole before the next
 * change found is waited for, re-reading the store, and gone past only once it has been open
 * for `gracePeriod`: a change that comes later than that is not delivered.
 */
export const followChanges = (options: ApprovalFeedOptions): Stream.Stream<ApprovalChange, StoreError> => {
  const interval = Duration.toMillis(Duration.decode(options.pollInterval))
  const grace = Duration.toMillis(Duration.decode(options.gracePeriod))
  const { store, wakeups } = options

  /** What can be delivered of a page read after `state.last`, and the hole that holds the rest back. */
  const deliverable = (state: State, page: ReadonlyArray<ApprovalChange>, now: number) => {
    const delivered: Array<ApprovalChange> = []
    let last = state.last
    for (const change of page) {
      if (change.seq <= last) continue
      if (change.seq > last + 1) {
        const since = state.hole?.seq === last + 1 ? state.hole.since : now
        if (now - since < grace) return { delivered, last, hole: { seq: last + 1, since } }
      }
      delivered.push(change)
      last = change.seq
    }
    return { delivered, last }
  }

  const step = Effect.fnUntraced(function* (state: State) {
    const before = yield* Clock.currentTimeMillis
    if (before < state.readAt) {
      const heard = yield* Queue.take(wakeups).pipe(
        Effect.timeout(Duration.millis(state.readAt - before)),
        Effect.option,
      )
      // Word of several writes is one reason to read.
      if (Option.isSome(heard)) yield* Queue.takeAll(wakeups)
    }
    const full = state.hole !== undefined || state.sinceFullRead + 1 >= fullReadEvery
    const changed = full || (yield* store.lastApprovalChangeSeq()) > state.last
    const page = changed ? yield* store.readApprovalChanges(state.last, pageSize) : []
    const now = yield* Clock.currentTimeMillis
    const { delivered, last, hole } = deliverable(state, page, now)
    // A full page delivered: there may be more already. A hole: read again by the end of its grace.
    const readAt =
      delivered.length === pageSize
        ? now
        : Math.min(now + interval, hole === undefined ? Infinity : hole.since + grace)
    const sinceFullRead = full ? 0 : state.sinceFullRead + 1
    const next: State =
      hole === undefined ? { last, readAt, sinceFullRead } : { last, readAt, hole, sinceFullRead }
    return [Chunk.unsafeFromArray(delivered), next] as const
  })

  return Stream.unwrap(
    Effect.map(Clock.currentTimeMillis, (now) =>
      Stream.paginateChunkEffect<State, ApprovalChange, StoreError, never>(
        { last: options.afterSeq, readAt: now, sinceFullRead: 0 },
        (state) => Effect.map(step(state), ([chunk, next]) => [chunk, Option.some(next)] as const),
      ),
    ),
  )
}

/** Each change with its approval as it stands now. */
export const withApprovals = (
  store: RunStore,
  changes: Stream.Stream<ApprovalChange, StoreError>,
): Stream.Stream<ApprovalUpdate, StoreError> =>
  Stream.mapEffect(changes, (change) =>
    Effect.flatMap(store.getApproval(change.approvalId), (approval) =>
      Option.isSome(approval)
        ? Effect.succeed(
            new ApprovalUpdate({
              seq: change.seq,
              approvalId: change.approvalId,
              status: change.status,
              approval: approval.value,
            }),
          )
        : Effect.fail(
            new StoreError({
              operation: 'readApprovalChanges',
              reason: `approval change ${change.seq} is of approval ${JSON.stringify(change.approvalId)}, which is not stored`,
            }),
          ),
    ),
  )
