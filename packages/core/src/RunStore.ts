import { Context, type Effect, type Option } from 'effect'
import type {
  ApprovalChange,
  ApprovalFilter,
  ApprovalPage,
  ApprovalQuery,
  ApprovalRecord,
} from './Approval.js'
import type { FollowUp } from './FollowUp.js'
import type { Delivery, DeliveryClaim, DeliveryFilter, DeliveryOutcome } from './Outbox.js'
import type {
  EventSequenceConflict,
  GrantInactive,
  GrantNotFound,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  StoreError,
} from './Errors.js'
import type { Grant, GrantFilter, Revocation } from './Grant.js'
import type { Message } from './Message.js'
import type { RequirementRecord, Resolution } from './Requirement.js'
import type { RunLease, RunPage, RunQuery, RunRecord } from './Run.js'
import type { RunEvent } from './RunEvent.js'

/**
 * What a run's writer stores in one go: its next events, numbered on from the last one stored,
 * with the messages it added to the transcript since its previous batch (at positions
 * `transcriptStart…`).
 */
export interface JournalBatch {
  readonly runId: string
  /** At least one; consecutive sequence numbers. */
  readonly events: ReadonlyArray<RunEvent>
  readonly transcriptStart: number
  readonly messages: ReadonlyArray<Message>
  /**
   * The writer's lease: on its first batch (its claim), stored with it by `appendBatch`; on a
   * stop (`commit`), the lease that the stop ends, for stores that end leases one by one.
   */
  readonly lease?: RunLease
  /**
   * Decisions on the run's pending requirements, recorded with the batch: how a writer that
   * continues a paused run claims it in the same write as the decisions it continues on. Each
   * is recorded as `resolveRequirement` records it (an approval's with it) and has one winner
   * among concurrent deciders; one that loses refuses the batch whole, with its error
   * (RequirementAlreadyResolved, RequirementNotFound), before its sequence number is looked at.
   * A store without transactions records them first, one by one, then the batch: a batch refused
   * after them leaves the decisions that won recorded, as separate calls would.
   */
  readonly decisions?: ReadonlyArray<Decision>
}

/**
 * A decision on a requirement, recorded with a journal batch. `deliveries` (its notifications) go
 * into the outbox with it, as `resolveRequirement`'s do: only if it is recorded.
 */
export interface Decision {
  readonly requirementId: string
  readonly resolution: Resolution
  readonly deliveries?: ReadonlyArray<Delivery>
}

/** Why a batch was refused: its first sequence number was taken, or one of its decisions lost. */
export type BatchRefused = EventSequenceConflict | RequirementAlreadyResolved | RequirementNotFound

/** Where a follower of a run stands: the last of its events it has. */
export interface RunCursor {
  readonly runId: string
  readonly afterSeq: number
}

/** A run that events were appended to: its last event then. */
export interface MovedRun {
  readonly runId: string
  readonly seq: number
}

/**
 * The events' mark as read (`RunStore.eventsMark`), and, when the store can tell, every run
 * that moved since an earlier mark was read.
 */
export interface EventsMark {
  /** Changes whenever events are appended to any run: equal to an earlier one, nothing moved. */
  readonly mark: string
  /**
   * The runs appended to since the mark asked about (`since`), each with its last event by now
   * or a later one: complete when present, so a run not in it has no new events. Absent when the
   * store cannot tell — none asked about, too many moves since, a record of them lost, or a
   * store that keeps none — and then any run may have moved.
   */
  readonly moved?: ReadonlyArray<MovedRun>
}

/**
 * Who runs the sweeper among the processes sharing a store, and until when (by their clocks):
 * one at a time, taken over by another once it lapses.
 */
export interface SweeperLease {
  /** The process that holds it: an id of its own, new at every start. */
  readonly holder: string
  readonly expiresAt: number
}

/**
 * Where runs live between steps, and the only source of truth for resuming one. Every
 * implementation passes the conformance suite in `@countersign/core/testing`.
 *
 * A run is its journal: events numbered 1, 2, … and the transcript, written together in
 * batches. The journal is append-only and a sequence number is taken once, which is what makes
 * a run's writer unique: a writer claims a run by appending the first event after the stop it
 * resumes from, and a writer that was overtaken finds out when its next batch is refused. The
 * run record is the state as of the last stop (pause or ending), written with it.
 *
 * A writer also leases the run while it works (see `RunLease`): a run being worked on without a
 * live lease is interrupted, and `listRuns` finds such runs with `interruptedAt`.
 *
 * The guarantees need only single-document atomicity: `appendBatch` and `commit` refuse a
 * taken sequence number, and `resolveRequirement` has one winner among concurrent callers. A
 * store with transactions also makes a run's creation and its first batch one write, and a
 * batch and the decisions it carries one write: on SQLite each is one synced commit.
 */
export interface RunStore {
  /**
   * Stores a new run and, if given, its first batch (with that batch's lease: its writer's claim
   * is the run's creation, `claimSeq` 1), so that a new run costs one write. Readers see both or
   * neither; a taken run id stores neither. A store without transactions writes the run first,
   * then the batch: a reader may meet the run before its first events, as a run whose first
   * batch is still being written.
   */
  readonly createRun: (
    run: RunRecord,
    first?: JournalBatch,
  ) => Effect.Effect<void, RunAlreadyExists | BatchRefused | StoreError>
  /** The record of the run's last stop (or its creation). */
  readonly getRun: (runId: string) => Effect.Effect<Option.Option<RunRecord>, StoreError>
  /**
   * Root runs (those without `parentRunId`: a member's run is part of its root's) matching the
   * query, as of their last stop, newest first (by `createdAt`, then run id), and how many match.
   */
  readonly listRuns: (query: RunQuery) => Effect.Effect<RunPage, StoreError>

  /**
   * Appends a batch to the journal. Its first event follows the run's last one stored (a run's
   * events are numbered 1, 2, … without gaps). Refused whole, with EventSequenceConflict, when
   * its first sequence number is taken. Its `lease`, if any, is stored like `renewLease` does;
   * a store without transactions may store it even when the batch is refused (it is then the
   * lease of the winner's claim, which the winner renews). Its `decisions` are recorded with it.
   */
  readonly appendBatch: (batch: JournalBatch) => Effect.Effect<void, BatchRefused | StoreError>
  /**
   * Appends the batch that ends in a stop, with the requirements the stop raises, and makes
   * `run` the run's record. Readers see all of it or none of it; refused whole like `appendBatch`.
   * Every lease of the run ends with it (a store without transactions removes them just after).
   * `deliveries` (the notifications of the stop) go into the outbox with it: a commit refused
   * writes none, and one that is in loses none, whatever crash follows.
   */
  readonly commit: (
    batch: JournalBatch,
    run: RunRecord,
    requirements: ReadonlyArray<RequirementRecord>,
    deliveries?: ReadonlyArray<Delivery>,
  ) => Effect.Effect<void, BatchRefused | StoreError>

  /**
   * Stores a writer's lease, over the one of the same claim if there is one. Each claim's lease
   * is written by its own writer only, so no two writers ever write the same lease.
   */
  readonly renewLease: (lease: RunLease) => Effect.Effect<void, StoreError>
  /**
   * The lease of the run's latest claim that has one (the highest `claimSeq`), if any is stored
   * since the run's last stop (a stop ends the leases before it).
   */
  readonly getLease: (runId: string) => Effect.Effect<Option.Option<RunLease>, StoreError>

  /** A run's events with `seq > afterSeq`, in order. */
  readonly readEvents: (runId: string, afterSeq: number) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /**
   * The events of several runs after each one's cursor, at most `limit` in all, in one read: how
   * a process follows every run it has followers of. Each run's events come together and in
   * order, and are its first ones after its cursor (a run cut short by `limit` continues from
   * its last one returned); runs without new events cost no more than a lookup each.
   */
  readonly readEventsOfRuns: (
    cursors: ReadonlyArray<RunCursor>,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /**
   * A mark of the store's events: it changes whenever events are appended to any run, by any
   * process sharing the store (and may change for other writes); at once, or a moment after, for
   * a store that shares one change among the batches of a short while (MongoDB: 50 ms). Read
   * before the events, a mark found as it was at the last read says that no run has new events
   * since, but those of that while: what a process's reader polls while nothing happens, one
   * small read however many runs it follows and however large the store. Given the mark of the
   * last read (`since`), a store may also say which runs moved since (`moved`), with the same
   * caveat: then only those are read.
   */
  readonly eventsMark: (since?: EventsMark) => Effect.Effect<EventsMark, StoreError>
  /** The run's whole transcript as appended by its batches. */
  readonly readTranscript: (runId: string) => Effect.Effect<ReadonlyArray<Message>, StoreError>

  readonly getRequirement: (
    runId: string,
    requirementId: string,
  ) => Effect.Effect<Option.Option<RequirementRecord>, StoreError>
  /** A run's requirements, oldest first (in the order of their stop's list within one stop). */
  readonly listRequirements: (runId: string) => Effect.Effect<ReadonlyArray<RequirementRecord>, StoreError>
  /**
   * Records the decision on a pending requirement (or that it lapsed). Of concurrent callers,
   * exactly one wins. An approval's requirement updates the approval with it. `deliveries` go
   * into the outbox with the winner's decision, as with `commit`; a loser's are not written.
   */
  readonly resolveRequirement: (
    runId: string,
    requirementId: string,
    resolution: Resolution,
    deliveries?: ReadonlyArray<Delivery>,
  ) => Effect.Effect<RequirementRecord, RequirementNotFound | RequirementAlreadyResolved | StoreError>
  /**
   * Pending requirements whose `expiresAt` is at or before `now`, of runs whose record says
   * paused: what the sweeper closes. Earliest deadline first, at most `limit`.
   */
  readonly listExpired: (
    now: number,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<RequirementRecord>, StoreError>

  /**
   * Takes or renews the sweeper's lease for `lease.holder`: it holds it when the stored lease is
   * its own and still holds at `now`, or none is stored, or the stored one expired at or before
   * `now`. Answers whether `lease.holder` holds it now, until `lease.expiresAt`. Of concurrent
   * callers at most one holds it, and a lease that still holds is never taken over (clocks of the
   * processes sharing the store must agree to well within a lease).
   */
  readonly holdSweeperLease: (lease: SweeperLease, now: number) => Effect.Effect<boolean, StoreError>

  /*
   * Approvals: every requirement of kind `approval` a commit raises is an approval (see
   * `Approval.fromRequirement`), pending until its requirement is resolved; approvals decided
   * when written (audits, grant uses) are recorded with `recordApproval`. Every approval read
   * carries its run's current status.
   *
   * Every write that raises or records an approval, or changes its status (a commit raising
   * approvals, `resolveRequirement` on one, `recordApproval` storing one, `useGrant`), appends an
   * `ApprovalChange` per approval to the queue's journal, numbered 1, 2, 3, … across the store.
   * A store whose numbering cannot be atomic with the approval's write numbers the change after
   * the write, and says how its readers may see the numbers out of order or with holes.
   */

  /** Approvals matching the query, newest first (by `createdAt`, then id), and how many match in all. */
  readonly listApprovals: (query: ApprovalQuery) => Effect.Effect<ApprovalPage, StoreError>
  readonly countApprovals: (filter: ApprovalFilter) => Effect.Effect<number, StoreError>
  readonly getApproval: (approvalId: string) => Effect.Effect<Option.Option<ApprovalRecord>, StoreError>
  /** Writes an approval that is decided already. Writing one whose id is stored changes nothing. */
  readonly recordApproval: (approval: ApprovalRecord) => Effect.Effect<void, StoreError>
  /** The queue's changes with `seq > afterSeq`, in order, at most `limit`. */
  readonly readApprovalChanges: (
    afterSeq: number,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<ApprovalChange>, StoreError>
  /**
   * The number of the queue's last change (0 before the first). The approval writes of every
   * change up to it are visible to reads made after this one.
   */
  readonly lastApprovalChangeSeq: () => Effect.Effect<number, StoreError>

  /*
   * Grants: stored when given, revoked at most once, and used (each use recorded with its
   * approval): a `once` grant at most once among concurrent users.
   */

  readonly createGrant: (grant: Grant) => Effect.Effect<void, StoreError>
  readonly getGrant: (grantId: string) => Effect.Effect<Option.Option<Grant>, StoreError>
  /** Grants matching the filter, newest first. */
  readonly listGrants: (filter: GrantFilter) => Effect.Effect<ReadonlyArray<Grant>, StoreError>
  /** Revokes an active grant. Of concurrent callers, exactly one wins; a used or revoked grant is GrantInactive. */
  readonly revokeGrant: (
    grantId: string,
    revocation: Revocation,
  ) => Effect.Effect<Grant, GrantNotFound | GrantInactive | StoreError>
  /**
   * Uses an active grant for one call, recording `approval` (its audit: `grantId` set) with the
   * use. A `once` grant has one winner among concurrent users; the others get GrantInactive, as
   * do users of a revoked grant. Answers the grant as used.
   */
  readonly useGrant: (
    grantId: string,
    approval: ApprovalRecord,
  ) => Effect.Effect<Grant, GrantNotFound | GrantInactive | StoreError>

  /*
   * The outbox (see Delivery.ts): deliveries written by `commit` and `resolveRequirement`, claimed
   * one attempt at a time by dispatchers, each attempt recorded.
   */

  /**
   * Pending deliveries of the claim's channels that are due (`nextAttemptAt <= now`) and not
   * leased (no claim, or its lease ran out), earliest due first, at most `limit`: each leased to
   * `owner` until `leaseUntil`, its `attempts` counted up, and answered as claimed. Of concurrent
   * claimers, each delivery goes to one.
   */
  readonly claimDeliveries: (claim: DeliveryClaim) => Effect.Effect<ReadonlyArray<Delivery>, StoreError>
  /**
   * Records how a claimed attempt went, ending its lease. A delivery no longer pending is left as
   * it is (an attempt that outlived its lease and lost to another never undoes a success).
   */
  readonly recordDelivery: (deliveryId: string, outcome: DeliveryOutcome) => Effect.Effect<void, StoreError>
  /** Deliveries matching the filter, oldest first: for inspection, and a channel's earlier receipts. */
  readonly listDeliveries: (filter: DeliveryFilter) => Effect.Effect<ReadonlyArray<Delivery>, StoreError>

  /**
   * Records a reminder or escalation of a requirement, with its deliveries, unless that step of
   * that requirement is recorded already: answers whether this call recorded it. Of concurrent
   * callers, one does (see FollowUp.ts).
   */
  readonly recordFollowUp: (
    followUp: FollowUp,
    deliveries?: ReadonlyArray<Delivery>,
  ) => Effect.Effect<boolean, StoreError>
  /** The steps recorded for a requirement, oldest first. */
  readonly listFollowUps: (requirementId: string) => Effect.Effect<ReadonlyArray<FollowUp>, StoreError>
}

export const RunStore = Context.GenericTag<RunStore>('@countersign/core/RunStore')
