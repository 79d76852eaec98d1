/**
 * The events' mark (`RunStore.eventsMark`): one document of `counters`, `_id` `events`, whose
 * `mark` is set anew after batches of events are in (`EventsMarker`). A process's reader of
 * followed runs reads it every interval and reads the events only when it changed: idle, that is
 * one lookup by `_id` in a collection of a few documents, however many runs are followed and
 * however many events are stored. (FerretDB 1.x, with its SQLite backend, serves no query of a
 * collection from an index — not even one by `_id` — so a query of `events` costs a scan of it.)
 *
 * A new random value each time, not a count: FerretDB 1.x does not make updates atomic against
 * concurrent writers, so of two increments one can be lost and a count can come back to a value
 * a reader has seen; a random value set after the reader's read never equals what it read.
 */
import { randomUUID } from 'node:crypto'
import type { Db } from 'mongodb'
import { collectionNames } from './collections.js'
import { isDuplicateKey } from './errors.js'

interface MarkDocument {
  _id: string
  mark: string
}

const eventsMarkId = 'events'

const marks = (db: Db) => db.collection<MarkDocument>(collectionNames.counters)

/**
 * Sets the mark anew. A failure is not the batch's (it is stored): readers that miss the mark
 * find the events at their next full read (see `FollowedRuns`).
 */
const markEvents = async (db: Db): Promise<void> => {
  const update = { $set: { mark: randomUUID() } }
  try {
    await marks(db).updateOne({ _id: eventsMarkId }, update, { upsert: true })
  } catch (cause) {
    // Two first writers both inserted it: it is there now.
    if (isDuplicateKey(cause)) await marks(db).updateOne({ _id: eventsMarkId }, update)
  }
}

/**
 * The least time between two writes of the mark by one process: a batch sets it at once when it
 * was last set longer ago than that, else once at the end of that time, for every batch appended
 * meanwhile. So an isolated batch (a run resumed) is marked without delay, a busy process sets it
 * at most 20 times a second however many runs it moves, and the one document is not a hot spot.
 */
export const markSpacingMs = 50

/** One process's writer of the mark, off the batches' path. */
export class EventsMarker {
  /** When the last write was sent (none yet: -Infinity). */
  private lastWrite = Number.NEGATIVE_INFINITY
  private scheduled = false

  constructor(
    private readonly db: Db,
    private readonly spacingMs = markSpacingMs,
  ) {}

  /**
   * A batch is in: the mark is set by a write sent from now on — at once, or at the end of the
   * spacing if a write was sent within it. A write already on its way may land before the batch
   * does (the batch's commit and its write race), so it never stands for the batch.
   */
  appended = (): void => {
    if (this.scheduled) return
    const wait = this.lastWrite + this.spacingMs - performance.now()
    if (wait <= 0) return this.write()
    this.scheduled = true
    setTimeout(() => {
      this.scheduled = false
      this.write()
    }, wait).unref()
  }

  private write = () => {
    this.lastWrite = performance.now()
    markEvents(this.db).catch(() => undefined)
  }
}

/** The mark as it stands ('' before the first batch). */
export const readEventsMark = async (db: Db): Promise<string> =>
  (await marks(db).findOne({ _id: eventsMarkId }))?.mark ?? ''
