/**
 * One process's writer of the events' mark (see eventsMark.ts), off the batches' path: the runs
 * its batches moved, in its own document of writes, then the mark all writers share set anew.
 */
import { randomUUID } from 'node:crypto'
import type { Db } from 'mongodb'
import {
  keptWrites,
  listedRuns,
  markDocuments,
  type MarkWrite,
  ofWriters,
  sharedMarkId,
  writesPrefix,
} from './eventsMark.js'

/** How many times in a row a write that failed is sent again before the next batch. */
const retries = 3

/** How long a writer's document stays without a write before a starting marker removes it. */
const idleMarkMs = 3_600_000

/**
 * The least time between two writes of the mark by one process: a batch sets it at once when it
 * was last set longer ago than that, else once at the end of that time, for every batch appended
 * meanwhile. So an isolated batch (a run resumed) is marked without delay, a busy process sets it
 * at most 20 times a second however many runs it moves, and its document is not a hot spot.
 */
export const markSpacingMs = 50

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
      // In this order, in one command: a reader that sees the shared mark moved finds the write.
      await markDocuments(this.db).bulkWrite(
        [
          {
            updateOne: {
              filter: { _id: writesPrefix + this.writer },
              update: { $set: { n, at: Date.now(), moves: [...this.writes] } },
              upsert: true,
            },
          },
          {
            updateOne: {
              filter: { _id: sharedMarkId },
              update: { $set: { mark: randomUUID() } },
              upsert: true,
            },
          },
        ],
        { ordered: true },
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
    void markDocuments(this.db)
      .deleteMany({ ...ofWriters, at: { $lt: Date.now() - idleMarkMs } })
      .catch(() => undefined)
}
