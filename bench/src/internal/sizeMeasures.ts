import type { Countersign, RunCursor, RunStore } from '@countersign/core'
import { Effect } from 'effect'
import { agentIdOf, userIdOf } from './approvalRuns.js'

/** What a query measure runs on: the store filled to its size, and the engine over it. */
export interface Subject {
  readonly countersign: Countersign
  readonly store: RunStore
  /** Every root run counted, as a run list's total was before its count stopped past the page. */
  readonly countEveryRun: () => Promise<number>
  /** Runs stored before the measures began, each at its last event: a follower's cursors when idle. */
  readonly followed: ReadonlyArray<RunCursor>
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A week and a day from now: past every pending approval's deadline (`expiresIn`), for a full page due. */
const pastEveryDeadline = () => Date.now() + 8 * 24 * 3_600_000

/**
 * The reads that grow with the store unless an index serves them, each made as the server or the
 * engine makes it (`@countersign/core/testing`'s `growingQueries` are their shapes; the SQLite and
 * MongoDB query-plan tests hold their plans).
 */
export const queryMeasures: ReadonlyArray<
  readonly [name: string, call: (subject: Subject) => Promise<unknown>]
> = [
  // `approvals.list` as the server's `approvals.list` calls it: the page, its total, and the change number.
  ['queue: pending, page 1', ({ countersign }) => countersign.approvals.list({ status: 'pending' })],
  // Every pending approval counted (`approvals.count`): the page's total before it stopped
  // counting past the page (issue 23), what of the page grew with the pending approvals stored.
  ['queue: pending, count', ({ countersign }) => countersign.approvals.count({ status: 'pending' })],
  [
    'queue: one user, pending',
    ({ countersign }) => countersign.approvals.list({ status: 'pending', userId: userIdOf(3) }),
  ],
  // `runs.list` as the server's router calls it (an admin's: everyone's runs).
  ['runs: page 1', ({ store }) => run(store.listRuns({ offset: 0, limit: 20 }))],
  // Every root run counted: the total of 'runs: page 1' before it stopped counting past the page.
  ['runs: every run counted', ({ countEveryRun }) => countEveryRun()],
  ['runs: paused', ({ store }) => run(store.listRuns({ status: 'paused', offset: 0, limit: 20 }))],
  ['runs: one agent', ({ store }) => run(store.listRuns({ agentId: agentIdOf(2), offset: 0, limit: 20 }))],
  ['runs: page 11', ({ store }) => run(store.listRuns({ offset: 200, limit: 20 }))],
  [
    'runs: one user, paused',
    ({ store }) => run(store.listRuns({ userId: userIdOf(3), status: 'paused', offset: 0, limit: 20 })),
  ],
  // The sweeper's read (`RunEngine.sweep`, 100 at a time): none due, then a full page due.
  ['due: none', ({ store }) => run(store.listExpired(Date.now(), 100))],
  ['due: a page of 100', ({ store }) => run(store.listExpired(pastEveryDeadline(), 100))],
  // The engine's one read of every followed run (`followedRuns`, 500 at most): replay and idle.
  [
    'follow: 5 runs from 0',
    ({ store, followed }) =>
      run(
        store.readEventsOfRuns(
          followed.map(({ runId }) => ({ runId, afterSeq: 0 })),
          500,
        ),
      ),
  ],
  ['follow: 5 runs, idle', ({ store, followed }) => run(store.readEventsOfRuns(followed, 500))],
]
