import { Clock, Duration, Effect, type Queue, type Scope } from 'effect'
import type { StoreError } from '../Errors.js'
import type { RunEvent } from '../RunEvent.js'
import type { RunCursor, RunStore } from '../RunStore.js'
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
  readonly followers: Set<Queue.Enqueue<Heard>>
  /**
   * The run's last event read or heard with none missing before it: where the next read starts.
   * Unknown until a follower has read the store itself.
   */
  cursor: number | undefined
  /** Whether the engine said anything of the run since the last read. */
  heard: boolean
  /** The highest event the engine said of the run: past the cursor, events between are missing here. */
  highest: number
}

/** How many events one read takes: a full page is read on from at once. */
const pageSize = 500

/**
 * The runs an engine has followers of, read from the store by one reader for all of them: every
 * poll interval, one read (`RunStore.readEventsOfRuns`) of each run the engine said nothing of
 * since the last (another process may be writing it), or of which it said an event ahead of the
 * next one known (the events between were stored elsewhere). What is read goes to every follower
 * of the run, through the same queue as the engine's signals. So the store is read once an
 * interval whatever the number of followers; and not at all while nobody follows anything.
 */
export class FollowedRuns {
  private readonly runs = new Map<string, Followed>()
  private polling = false

  constructor(
    private readonly store: RunStore,
    private readonly signals: RunSignals,
    private readonly interval: Duration.Duration,
    /** Where the reader's fiber lives: the engine's scope. */
    private readonly scope: Scope.Scope,
  ) {}

  /**
   * A follower's queue of the run for as long as the scope lasts: the engine's signals of it from
   * now on, and what the reader reads of it from when the follower says where it stands (`from`).
   */
  listen = (runId: string): Effect.Effect<Queue.Queue<Heard>, never, Scope.Scope> =>
    Effect.flatMap(this.signals.listen<ReadFailed>(runId), (queue) =>
      Effect.as(
        Effect.acquireRelease(
          Effect.sync(() => {
            const run = this.runs.get(runId)
            if (run !== undefined) run.followers.add(queue)
            else
              this.runs.set(runId, {
                followers: new Set([queue]),
                cursor: undefined,
                heard: false,
                highest: 0,
              })
          }),
          () =>
            Effect.sync(() => {
              const run = this.runs.get(runId)
              run?.followers.delete(queue)
              if (run?.followers.size === 0) this.runs.delete(runId)
            }),
        ),
        queue,
      ),
    )

  /**
   * Where a follower that listens stands, having read the store itself: the run is read on from
   * there. A run read already goes on from where it is: what the reader read since the follower
   * listened is in its queue.
   */
  from = (runId: string, seq: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const run = this.runs.get(runId)
      if (run !== undefined && run.cursor === undefined) run.cursor = seq
      if (this.polling) return Effect.void
      this.polling = true
      return Effect.asVoid(Effect.forkIn(Effect.interruptible(this.poll), this.scope))
    })

  /** What the engine said of a run: its followers heard it; the reader need not read it. */
  heard = (signal: Signal): Effect.Effect<void> =>
    Effect.sync(() => {
      const run = this.runs.get(signal.runId)
      if (run === undefined || signal._tag === 'WriterDied') return
      run.heard = true
      run.highest = Math.max(run.highest, signal.seq)
      if (run.cursor === signal.seq - 1) run.cursor = signal.seq
    })

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
      yield* this.readDue(this.due())
    }
  })

  /** The runs to read, as of now: those the engine said nothing of since the last read, or too little. */
  private due = (): Array<RunCursor> => {
    const due: Array<RunCursor> = []
    for (const [runId, run] of this.runs) {
      if (run.cursor === undefined) continue
      if (!run.heard || run.cursor < run.highest) due.push({ runId, afterSeq: run.cursor })
      run.heard = false
    }
    return due
  }

  private readDue = (due: ReadonlyArray<RunCursor>): Effect.Effect<void> =>
    due.length === 0
      ? Effect.void
      : this.store.readEventsOfRuns(due, pageSize).pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.sync(() => this.failed(due, error)),
            onSuccess: (events) => {
              this.deliver(events)
              if (events.length < pageSize) return Effect.void
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
