import { Effect } from 'effect'
import type { ApprovalRecord } from '../Approval.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'
import type { RunStore } from '../RunStore.js'

/** A run as the store has it, with the runs of the members it delegated to, at any depth. */
export interface StoredRunTree {
  /** The run first, then each member's run after the run that started it (depth first). */
  readonly runs: ReadonlyArray<StoredRun>
  /** The run's requirements, its members' included, oldest first. */
  readonly requirements: ReadonlyArray<RequirementRecord>
  /** The run's approvals, newest first. */
  readonly approvals: ReadonlyArray<ApprovalRecord>
}

export interface StoredRun {
  readonly record: RunRecord
  /** The run whose `MemberRunStarted` event names it; undefined for the run the tree was read from. */
  readonly startedBy: string | undefined
}

/** A run and the runs it started for members, found through its `MemberRunStarted` events. */
const runsFrom = (
  store: RunStore,
  runId: string,
  startedBy: string | undefined,
): Effect.Effect<Array<StoredRun>, unknown> =>
  Effect.gen(function* () {
    const record = yield* Effect.flatten(store.getRun(runId))
    const events = yield* store.readEvents(runId, 0)
    const members = yield* Effect.forEach(
      events.flatMap((event) => (event._tag === 'MemberRunStarted' ? [event.memberRunId] : [])),
      (memberRunId) => runsFrom(store, memberRunId, runId),
    )
    return [{ record, startedBy }, ...members.flat()]
  })

/** Everything the store holds about how a run and its members' runs went, read back. */
export const readStoredRunTree = (store: RunStore, runId: string): Effect.Effect<StoredRunTree, unknown> =>
  Effect.all({
    runs: runsFrom(store, runId, undefined),
    requirements: store.listRequirements(runId),
    approvals: Effect.map(store.listApprovals({ runId, offset: 0, limit: 1_000 }), (page) => page.approvals),
  })
