import { Clock, Duration, Effect, type Mailbox, type Scope } from 'effect'
import type { StoreError } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import type { EventsMark, RunCursor, RunStore } from '../RunStore.js'
import { acquireRelease } from './scopedRelease.js'
import type { RunSignals, Signal } from './signals.js'

/** Word that the engine's read of a run failed: its followers fail with it. */
export interface ReadFailed {
  readonly _tag: 'ReadFailed'
  readonly runId: string
  readonly error: StoreError
}

/** What a follower hears: its engine's signals of the run, and what the engine's reader read of it. */
export type Heard = Signal | ReadFailed

interface Followed {
  readonly followers: Set<Mailbox.Mailbox<Heard>>
  /**
   * The run's last event read or heard with none missing before it: where the next read starts.
   * Unknown until a follower has read the store itself.
   */
  cursor: number | undefined
  /** The highest event the engine said of the run: past the cursor, events between are missing here. */
  highest: number
  /**
   * Whether its cursor was set since the last read: what was stored after the follower's own
   * read is read whatever the mark.
   */
  fresh: boolean
}

/**
 * What moved since the reader's last read, by the events' mark: nothing, every run (it cannot
 * tell which), or these runs up to these events.
 */
type Moved = 'none' | 'all' | ReadonlyMap<string, number>

/** How many events one read takes: a full page is read on from at once. */
const pageSize = 500

/**
 * Every how many intervals the runs are read whatever the events' mark says: a writer that died
 * between its events and the mark, or whose mark write failed, delays its events by at most this
 * many intervals (5 s at the default 200 ms) rather than until the next write.
 */
const fullReadEvery = 25

/**
 * The runs an engine has followers of, read from the store by one reader for all of them: every
 * poll interval, the events' mark (`RunStore.eventsMark`); and, when it moved, one read
 * (`RunStore.readEventsOfRuns`) of the runs followed that moved past where the reader stands, if
 * the store says which (else of every run followed). Runs of which the engine said an event ahead
 * of the next one known (the events between were stored elsewhere), and runs a follower just
 * started on, are read whatever the mark. What is read goes to every follower of the run, through
 * the same mailbox as the engine's signals. So while nothing happens the store is read once an
 * interval, one small read, whatever the number of followers and the size of the store; and not
 * at all while nobody follows anything.
 */
export class FollowedRuns {
  private readonly runs = new Map<string, Followed>()
  private polling = false
  /** The events' mark as of the last read that succeeded (none before the first). */
  private mark: EventsMark | undefined
  /** Polls since the last full read. */
  private sinceFullRead = 0

  constructor(
    private readonly store: RunStore,
    private readonly signals: RunSignals,
    private readonly interval: Duration.Duration,
    /** Where the reader's fiber lives: the engine's scope. */
    private readonly scope: Scope.Scope,
  ) {}

  /**
   * A follower's mailbox of the run for as long as the scope lasts: the engine's signals of it from
   * now on, and what the reader reads of it from when the follower says where it stands (`from`).
   */
  listen = (runId: string): Effect.Effect<Mailbox.Mailbox<Heard>, never, Scope.Scope> =>
    Effect.flatMap(this.signals.listen<ReadFailed>(runId), (mailbox) =>
      Effect.as(
        acquireRelease(
          Effect.sync(() => {
            const run = this.runs.get(runId)
            if (run !== undefined) run.followers.add(mailbox)
            else
              this.runs.set(runId, {
                followers: new Set([mailbox]),
                cursor: undefined,
                highest: 0,
                fresh: false,
              })
          }),
          () =>
            Effect.sync(() => {
              const run = this.runs.get(runId)
              run?.followers.delete(mailbox)
              if (run?.followers.size === 0) this.runs.delete(runId)
            }),
        ),
        mailbox,
      ),
    )

  /**
   * Where a follower that listens stands, having read the store itself: the run is read on from
   * there. A run read already goes on from where it is: what the reader read since the follower
   * listened is in its mailbox.
   */
  from = (runId: string, seq: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const run = this.runs.get(runId)
      if (run !== undefined && run.cursor === undefined) {
        run.cursor = seq
        run.fresh = true
      }
      if (this.polling) return Effect.void
      this.polling = true
      return Effect.asVoid(Effect.forkIn(Effect.interruptible(this.poll), this.scope))
    })

  /** What the engine said of a run: its followers heard it; the reader goes on from it if none is missing before. */
  heard = (signal: Signal): Effect.Effect<void> => Effect.sync(() => this.unsafeHeard(signal))

  unsafeHeard = (signal: Signal): void => {
    const run = this.runs.get(signal.runId)
    if (run === undefined || signal._tag === 'WriterDied') return
    run.highest = Math.max(run.highest, signal.seq)
    if (run.cursor === signal.seq - 1) run.cursor = signal.seq
  }

  /**
   * Reads every interval while anything is followed, then ends (the next follower starts it
   * again). At a fixed rate: a slow read does not push the next one later, so the reads a second
   * are known, and an event of another process waits at most an interval plus a read.
   */
  private readonly poll: Effect.Effect<void> = Effect.gen(this, function* () {
    const interval = Duration.toMillis(this.interval)
    let next = (yield* Clock.currentTimeMillis) + interval
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(0, next - now)))
      // Behind by more than an interval (a read slower than that): the next read is an interval on.
      next = Math.max(next, now) + interval
      if (this.runs.size === 0) {
        this.polling = false
        return
      }
      yield* this.readOnce
    }
  })

  /**
   * One poll: the mark, then the runs due. The mark is read first, so whatever is written after
   * the events read shows as a new mark next time. A mark that cannot be read counts as moved.
   */
  private readonly readOnce: Effect.Effect<void> = Effect.gen(this, function* () {
    const full = ++this.sinceFullRead >= fullReadEvery
    if (full) this.sinceFullRead = 0
    const mark = yield* Effect.option(this.store.eventsMark(this.mark))
    const moved: Moved = full || mark._tag === 'None' ? 'all' : movedSince(this.mark, mark.value)
    const read = yield* this.readDue(this.due(moved))
    if (read && mark._tag === 'Some') this.mark = mark.value
  })

  /**
   * The runs to read, as of now: those that moved past their cursor (all of them if the store
   * cannot tell which moved: the engine's own writes move the mark too, and then its runs cost a
   * branch of the one query, not a query), those the engine said too little of and those a
   * follower just started on.
   */
  private due = (moved: Moved): Array<RunCursor> => {
    const due: Array<RunCursor> = []
    for (const [runId, run] of this.runs) {
      if (run.cursor === undefined) continue
      const behind =
        moved === 'all' || (moved !== 'none' && run.cursor < (moved.get(runId) ?? Number.NEGATIVE_INFINITY))
      if (behind || run.cursor < run.highest || run.fresh) due.push({ runId, afterSeq: run.cursor })
      run.fresh = false
    }
    return due
  }

  /** Reads the runs due, a page at a time; whether it read them all. */
  private readDue = (due: ReadonlyArray<RunCursor>): Effect.Effect<boolean> =>
    due.length === 0
      ? Effect.succeed(true)
      : this.store.readEventsOfRuns(due, pageSize).pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.sync(() => (this.failed(due, error), false)),
            onSuccess: (events) => {
              this.deliver(events)
              if (events.length < pageSize) return Effect.succeed(true)
              // A full page: more may be stored already, of these runs.
              return this.readDue(
                due.flatMap(({ runId }) => {
                  const cursor = this.runs.get(runId)?.cursor
                  return cursor === undefined ? [] : [{ runId, afterSeq: cursor }]
                }),
              )
            },
          }),
        )

  private deliver = (events: ReadonlyArray<RunEvent>) => {
    for (const event of events) {
      const run = this.runs.get(event.runId)
      if (run === undefined) continue
      if (run.cursor === event.seq - 1) run.cursor = event.seq
      for (const follower of run.followers) follower.unsafeOffer(event)
    }
  }

  private failed = (due: ReadonlyArray<RunCursor>, error: StoreError) => {
    for (const { runId } of due)
      for (const follower of this.runs.get(runId)?.followers ?? [])
        follower.unsafeOffer({ _tag: 'ReadFailed', runId, error })
  }
}

/** What moved between the mark of the last read (none before the first) and the one just read. */
const movedSince = (last: EventsMark | undefined, now: EventsMark): Moved => {
  if (last === undefined) return 'all'
  if (now.mark === last.mark) return 'none'
  if (now.moved === undefined) return 'all'
  const moved = new Map<string, number>()
  for (const { runId, seq } of now.moved) moved.set(runId, Math.max(seq, moved.get(runId) ?? seq))
  return moved
}
