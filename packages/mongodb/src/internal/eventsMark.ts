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
 * How long the mark waits after a batch before it is set: the batches a process appends
 * meanwhile share one write. So a busy process sets it at most 20 times a second, however many
 * runs it moves, a pause/resume cycle costs no write for it, and the one document is not a hot
 * spot; a reader two intervals away still hears of the events well within two intervals.
 */
export const markDelayMs = 50

/** One process's writer of the mark: sets it once after the batches of a delay, off their path. */
export class EventsMarker {
  private pending = false

  constructor(
    private readonly db: Db,
    private readonly delayMs = markDelayMs,
  ) {}

  /**
   * Events were appended: the mark is set within the delay. A batch appended once the timer has
   * fired gets a write of its own, since the write on its way may land before the batch does.
   */
  appended = (): void => {
    if (this.pending) return
    this.pending = true
    setTimeout(() => {
      this.pending = false
      markEvents(this.db).catch(() => undefined)
    }, this.delayMs).unref()
  }
}

/** The mark as it stands ('' before the first batch). */
export const readEventsMark = async (db: Db): Promise<string> =>
  (await marks(db).findOne({ _id: eventsMarkId }))?.mark ?? ''
