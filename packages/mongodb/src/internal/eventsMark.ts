/**
 * The events' mark (`RunStore.eventsMark`): one document of `counters`, `_id` `events`, whose
 * `mark` every batch of events written sets anew, after the batch is in. A process's reader of
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
 * Sets the mark anew, once events are written. A failure is not the batch's (it is stored):
 * readers that miss the mark find the events at their next full read (see `FollowedRuns`).
 */
export const markEvents = async (db: Db): Promise<void> => {
  const update = { $set: { mark: randomUUID() } }
  try {
    await marks(db).updateOne({ _id: eventsMarkId }, update, { upsert: true })
  } catch (cause) {
    // Two first writers both inserted it: it is there now.
    if (isDuplicateKey(cause))
      await marks(db)
        .updateOne({ _id: eventsMarkId }, update)
        .catch(() => undefined)
  }
}

/** The mark as it stands ('' before the first batch). */
export const readEventsMark = async (db: Db): Promise<string> =>
  (await marks(db).findOne({ _id: eventsMarkId }))?.mark ?? ''
