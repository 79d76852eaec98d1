/**
 * The events' mark (`RunStore.eventsMark`), in `counters`: a document per writing process, `_id`
 * `events:<its id>`, which it alone writes after batches of events are in (`EventsMarker`) — the
 * number of its writes (`n`) and its last writes (`moves`), each the runs it appended to with
 * their last event — and, set anew by every process after its own, the document `events`, whose
 * `mark` is a new random value. A process's reader of followed runs reads `events` every
 * interval, by `_id`: idle, that is one lookup in a collection of a few documents, however many
 * runs are followed and however many events are stored. (FerretDB 1.x, with its SQLite backend,
 * serves no query of a collection from an index — not even one by `_id` — so a query of `events`
 * costs a scan of it; it pushes down an `_id` equal to a string.) When the mark moved, it reads
 * the writers' documents, whose writes since its last read say which runs moved, so only those
 * are read.
 *
 * One writer per document of writes, one write at a time, each setting the whole document from
 * what the writer holds: FerretDB 1.x does not make updates atomic against concurrent writers (of
 * two `$push`es to one document one can be lost), and so nothing is lost there; a write that
 * failed is sent again. A write that is missing all the same — too old for the list, too large to
 * list, or its document removed — shows as a gap in its writer's numbers, and the reader reads
 * every run. The `mark` all share is only a sign that something moved: of two concurrent sets one
 * can be lost, but not both, and each sets a value no reader has seen, so it moves whatever.
 */
import type { EventsMark, MovedRun } from '@countersign/core'
import type { Db } from 'mongodb'
import { collectionNames } from './collections.js'

/** One write of a marker: the runs appended to since its write before, or null for too many to list. */
export interface MarkWrite {
  n: number
  runs: Array<MovedRun> | null
}

/** A writer's document of writes. */
export interface WritesDocument {
  _id: string
  /** The writer's writes so far. */
  n: number
  /** When it last wrote, by its clock: a document idle long enough is removed. */
  at: number
  /** Its last writes, oldest first. */
  moves: Array<MarkWrite>
}

/** The document all writers set anew after their own: a sign that something moved. */
interface SharedMark {
  _id: string
  mark: string
}

export const sharedMarkId = 'events'

/** `_id`s of the writers' documents: the prefix, then the writer's id (`;` follows `:`, ending the range). */
export const writesPrefix = 'events:'
export const ofWriters = { _id: { $gt: writesPrefix, $lt: 'events;' } }

export const markDocuments = (db: Db) => db.collection<WritesDocument | SharedMark>(collectionNames.counters)
const sharedMark = (db: Db) => db.collection<SharedMark>(collectionNames.counters)
const writesDocuments = (db: Db) => db.collection<WritesDocument>(collectionNames.counters)

/**
 * How many writes a mark keeps: a reader that polls within that many writes of a writer (20 a
 * second at most: 0.8 s) learns from them which runs moved.
 */
export const keptWrites = 16

/** The most runs one write lists: a write that moved more says so, and its readers read every run. */
export const listedRuns = 64

/** Each writer's number of writes, as a mark reads: `id:n`, by id, comma-separated. */
const markOf = (documents: ReadonlyArray<WritesDocument>) =>
  documents.map(({ _id, n }) => `${_id.slice(writesPrefix.length)}:${n}`).join(',')

const writesOf = (mark: string): ReadonlyMap<string, number> =>
  new Map(
    mark === ''
      ? []
      : mark.split(',').map((part) => {
          const at = part.lastIndexOf(':')
          return [part.slice(0, at), Number(part.slice(at + 1))] as const
        }),
  )

/**
 * The runs moved by the writes after those `since` counts, if every one of them is at hand: none
 * missing from its writer's list, none too large to list, no writer's mark gone.
 */
const movedSince = (
  writersBefore: string,
  documents: ReadonlyArray<WritesDocument>,
): Array<MovedRun> | undefined => {
  const before = writesOf(writersBefore)
  const moved = new Map<string, number>()
  for (const { _id, n, moves } of documents) {
    // A writer unknown then wrote its first mark since (its document is read whole by every read).
    const from = (before.get(_id.slice(writesPrefix.length)) ?? 0) + 1
    const writes = moves.filter((write) => write.n >= from)
    if (writes.length !== n - from + 1) return undefined
    for (const { runs } of writes) {
      if (runs === null) return undefined
      for (const { runId, seq } of runs) moved.set(runId, Math.max(seq, moved.get(runId) ?? seq))
    }
  }
  const writers = new Set(documents.map(({ _id }) => _id.slice(writesPrefix.length)))
  if ([...before.keys()].some((writer) => !writers.has(writer))) return undefined
  return [...moved].map(([runId, seq]) => ({ runId, seq }))
}

/**
 * The mark as it stands, and what moved since the one given: the shared value, then each
 * writer's number of writes (`<value>|<id>:<n>,…`). Unmoved since the one given, one read.
 */
export const readEventsMark = async (db: Db, since?: EventsMark): Promise<EventsMark> => {
  const shared = (await sharedMark(db).findOne({ _id: sharedMarkId }))?.mark ?? ''
  const [sharedBefore, writersBefore] = since?.mark.split('|') ?? []
  if (since !== undefined && shared === sharedBefore) return { mark: since.mark, moved: [] }
  // Read after the shared value: every write it stands for is in.
  const documents = (await writesDocuments(db).find(ofWriters).toArray()).sort((a, b) =>
    a._id < b._id ? -1 : 1,
  )
  const mark = `${shared}|${markOf(documents)}`
  const moved = writersBefore === undefined ? undefined : movedSince(writersBefore, documents)
  return moved === undefined ? { mark } : { mark, moved }
}
