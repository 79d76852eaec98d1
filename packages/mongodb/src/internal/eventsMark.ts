/**
 * The events' mark (`RunStore.eventsMark`): one document of `counters` per writing process,
 * `_id` `events:<its id>`, which it alone writes after batches of events are in (`EventsMarker`):
 * the number of its writes (`n`) and its last writes (`moves`), each the runs it appended to with
 * their last event. A process's reader of followed runs reads them every interval: idle, that is
 * one read of a few small documents of a collection of a few documents, however many runs are
 * followed and however many events are stored. (FerretDB 1.x, with its SQLite backend, serves no
 * query of a collection from an index — not even one by `_id` — so a query of `events` costs a
 * scan of it.) The mark is every writer's number of writes; when it moved, the writes since the
 * reader's last read say which runs moved, so only those are read.
 *
 * One writer per document, one write at a time, each setting the whole document from what the
 * writer holds: FerretDB 1.x does not make updates atomic against concurrent writers (of two
 * `$push`es to one document one can be lost), and so nothing is lost here; a write that failed is
 * sent again. A write that is missing all the same — too old for the list, too large to list, or
 * its document removed — shows as a gap in its writer's numbers, and the reader reads every run.
 */
import { randomUUID } from 'node:crypto'
import type { EventsMark, MovedRun } from '@countersign/core'
import type { Db } from 'mongodb'
import { collectionNames } from './collections.js'

/** One write of a marker: the runs appended to since its write before, or null for too many to list. */
interface MarkWrite {
  n: number
  runs: Array<MovedRun> | null
}

interface MarkDocument {
  _id: string
  /** The writer's writes so far. */
  n: number
  /** When it last wrote, by its clock: a document idle long enough is removed. */
  at: number
  /** Its last writes, oldest first. */
  moves: Array<MarkWrite>
}

/** `_id`s of the marks: the prefix, then the writer's id (`;` follows `:`, ending the range). */
const markPrefix = 'events:'
const ofMarks = { _id: { $gt: markPrefix, $lt: 'events;' } }

const marks = (db: Db) => db.collection<MarkDocument>(collectionNames.counters)

/**
 * How many writes a mark keeps: a reader that polls within that many writes of a writer (20 a
 * second at most: 0.8 s) learns from them which runs moved.
 */
export const keptWrites = 16

/** The most runs one write lists: a write that moved more says so, and its readers read every run. */
export const listedRuns = 64

/** How many times in a row a write that failed is sent again before the next batch. */
const retries = 3

/** How long a writer's mark stays without a write before a starting marker removes it. */
const idleMarkMs = 3_600_000

/**
 * The least time between two writes of the mark by one process: a batch sets it at once when it
 * was last set longer ago than that, else once at the end of that time, for every batch appended
 * meanwhile. So an isolated batch (a run resumed) is marked without delay, a busy process sets it
 * at most 20 times a second however many runs it moves, and its document is not a hot spot.
 */
export const markSpacingMs = 50

/** One process's writer of the mark, off the batches' path. */
export class EventsMarker {
  private readonly writer = randomUUID()
  /** Its last writes, as its document is to hold them; the last one's number is its `n`. */
  private readonly writes: Array<MarkWrite> = []
  /** The runs appended to since the last write was sent, each with its last event. */
  private pending = new Map<string, number>()
  /** Writes failed in a row since the last that succeeded: the document is sent again, a few times. */
  private failures = 0
  /** When the last write was sent (none yet: -Infinity). */
  private lastWrite = Number.NEGATIVE_INFINITY
  private scheduled = false
  private writing = false

  constructor(
    private readonly db: Db,
    private readonly spacingMs = markSpacingMs,
  ) {}

  /**
   * A batch is in, up to event `seq` of the run: the mark says so by a write sent from now on —
   * at once, or at the end of the spacing if a write was sent within it or is on its way.
   */
  appended = (runId: string, seq: number): void => {
    this.pending.set(runId, Math.max(seq, this.pending.get(runId) ?? seq))
    this.schedule()
  }

  private schedule = () => {
    if (this.scheduled || this.writing) return
    const wait = this.lastWrite + this.spacingMs - performance.now()
    if (wait <= 0) return void this.write()
    this.scheduled = true
    setTimeout(() => {
      this.scheduled = false
      void this.write()
    }, wait).unref()
  }

  /**
   * Sends the document with a write of the runs pending. One that failed is sent again at the end
   * of the spacing, with whatever is pending then, up to `retries` times in a row (a store closed,
   * or a database down, is not written to forever); and with the next batch's in any case, since
   * every write sends the writer's last ones. Until it is in, readers find its runs at their next
   * full read (see `FollowedRuns`).
   */
  private write = async () => {
    this.writing = true
    this.lastWrite = performance.now()
    if (this.pending.size > 0) this.take()
    const n = this.writes.at(-1)?.n ?? 0
    if (n === 1 && this.failures === 0) this.removeIdleMarks()
    try {
      await marks(this.db).updateOne(
        { _id: markPrefix + this.writer },
        { $set: { n, at: Date.now(), moves: [...this.writes] } },
        { upsert: true },
      )
      this.failures = 0
    } catch {
      this.failures++
    } finally {
      this.writing = false
      if (this.pending.size > 0 || (this.failures > 0 && this.failures <= retries)) this.schedule()
    }
  }

  /** The pending runs as the next write, the oldest one dropped past the list's length. */
  private take = () => {
    const runs =
      this.pending.size > listedRuns ? null : [...this.pending].map(([runId, seq]) => ({ runId, seq }))
    this.pending = new Map()
    this.writes.push({ n: (this.writes.at(-1)?.n ?? 0) + 1, runs })
    if (this.writes.length > keptWrites) this.writes.shift()
  }

  /** The marks of processes gone (or idle for an hour: a later write makes theirs anew). */
  private removeIdleMarks = () =>
    void marks(this.db)
      .deleteMany({ ...ofMarks, at: { $lt: Date.now() - idleMarkMs } })
      .catch(() => undefined)
}

/** Each writer's number of writes, as a mark reads: `id:n`, by id, comma-separated. */
const markOf = (documents: ReadonlyArray<MarkDocument>) =>
  documents.map(({ _id, n }) => `${_id.slice(markPrefix.length)}:${n}`).join(',')

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
const movedSince = (since: string, documents: ReadonlyArray<MarkDocument>): Array<MovedRun> | undefined => {
  const before = writesOf(since)
  const moved = new Map<string, number>()
  for (const { _id, n, moves } of documents) {
    // A writer unknown then wrote its first mark since (its document is read whole by every read).
    const from = (before.get(_id.slice(markPrefix.length)) ?? 0) + 1
    const writes = moves.filter((write) => write.n >= from)
    if (writes.length !== n - from + 1) return undefined
    for (const { runs } of writes) {
      if (runs === null) return undefined
      for (const { runId, seq } of runs) moved.set(runId, Math.max(seq, moved.get(runId) ?? seq))
    }
  }
  const writers = new Set(documents.map(({ _id }) => _id.slice(markPrefix.length)))
  if ([...before.keys()].some((writer) => !writers.has(writer))) return undefined
  return [...moved].map(([runId, seq]) => ({ runId, seq }))
}

/** The mark as it stands ('' before the first batch), and what moved since the one given. */
export const readEventsMark = async (db: Db, since?: EventsMark): Promise<EventsMark> => {
  const documents = (await marks(db).find(ofMarks).toArray()).sort((a, b) => (a._id < b._id ? -1 : 1))
  const mark = markOf(documents)
  const moved = since === undefined ? undefined : movedSince(since.mark, documents)
  return moved === undefined ? { mark } : { mark, moved }
}
