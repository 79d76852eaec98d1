import {
  Approval,
  type ApprovalRecord,
  type Delivery,
  EventSequenceConflict,
  Grant,
  GrantInactive,
  GrantNotFound,
  pageTotal,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  StoreError,
  type BatchRefused,
  type JournalBatch,
  RequirementRecord,
  type Resolution,
  type RunQuery,
  type RunEvent,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import type Database from 'better-sqlite3'
import { Effect, Option } from 'effect'
import * as Docs from './documents.js'
import { makeOutbox } from './outbox.js'
import { isKeyTaken } from './manyRows.js'
import { prepare, prepareListings } from './statements.js'

export const reasonOf = (cause: unknown) =>
  cause instanceof Error
    ? 'code' in cause && typeof cause.code === 'string'
      ? `${cause.code}: ${cause.message}`
      : cause.message
    : String(cause)

/** Runs a synchronous database call; a StoreError it throws passes through, anything else becomes one. */
const attempt = <A>(operation: string, call: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({
    try: call,
    catch: (cause) =>
      cause instanceof StoreError ? cause : new StoreError({ operation, reason: reasonOf(cause) }),
  })

/** A batch refused: its sequence number taken, or one of its decisions lost. */
const isRefusal = (cause: unknown): cause is BatchRefused =>
  cause instanceof EventSequenceConflict ||
  cause instanceof RequirementAlreadyResolved ||
  cause instanceof RequirementNotFound

const isRefusalOrTaken = (cause: unknown): cause is BatchRefused | RunAlreadyExists =>
  isRefusal(cause) || cause instanceof RunAlreadyExists

/** A listing's `limit` as SQLite's LIMIT takes it: a whole number, none below zero (-1 is no limit). */
const sqlLimit = (limit: number) =>
  Number.isNaN(limit) || limit <= 0 ? 0 : Number.isFinite(limit) ? Math.trunc(limit) : -1

/** The RunStore over an open database whose schema is current. */
export const makeRunStore = (db: Database.Database): RunStore => {
  const sql = prepare(db)

  const eventsAfter = (operation: string, runId: string, afterSeq: number): Array<RunEvent> =>
    sql.readEvents
      .all(runId, afterSeq)
      .map(({ seq, doc }) => Docs.events.decode(operation, Docs.key(runId, seq), doc))
  const listings = prepareListings(db)
  const outbox = makeOutbox(db)

  const runRow = (operation: string, run: RunRecord) => ({
    runId: run.runId,
    agentId: run.agentId,
    userId: run.userId ?? null,
    status: run.status,
    updatedAt: run.updatedAt,
    createdAt: run.createdAt,
    parentRunId: run.parentRunId ?? null,
    lastSeq: run.lastSeq,
    doc: Docs.runs.encode(operation, Docs.key(run.runId), run),
  })

  const approvalRow = (operation: string, approval: ApprovalRecord) => ({
    id: approval.id,
    runId: approval.runId,
    type: approval.type,
    status: approval.status,
    sourceId: approval.source.id,
    userId: approval.userId ?? null,
    sessionId: approval.sessionId ?? null,
    toolName: approval.toolName,
    grantId: approval.grantId ?? null,
    createdAt: approval.createdAt,
    doc: Docs.approvals.encode(operation, Docs.key(approval.id), approval),
  })

  const grantRow = (operation: string, grant: Grant.Grant) => ({
    id: grant.id,
    sessionId: grant.sessionId,
    sourceId: grant.sourceId,
    toolName: grant.toolName,
    status: Grant.statusOf(grant),
    grantedAt: grant.grantedAt,
    doc: Docs.grants.encode(operation, Docs.key(grant.id), grant),
  })

  /** Writes an approval over what its id held, with its change: inside the transaction of the write it belongs to. */
  const putApproval = (operation: string, approval: ApprovalRecord) => {
    sql.putApproval.run(approvalRow(operation, approval))
    sql.appendChange.run(Approval.changeOf(approval))
  }

  /** An approval decided when written, and its change, unless its id is taken. */
  const recordApproval = db.transaction((approval: ApprovalRecord) => {
    if (sql.recordApproval.run(approvalRow('recordApproval', approval)).changes > 0)
      sql.appendChange.run(Approval.changeOf(approval))
  })

  /**
   * Appends a batch with its decisions; thrown inside a transaction, a decision that loses or a
   * taken sequence number rolls all of it back. Its events, then its messages, go in one
   * statement each: a batch costs SQLite a few calls, not one per row.
   */
  const append = (
    operation: string,
    { runId, events, transcriptStart, messages, decisions = [] }: JournalBatch,
  ) => {
    for (const { requirementId, resolution, deliveries } of decisions) {
      const outcome = decide(operation, runId, requirementId, resolution, deliveries)
      if (!(outcome instanceof RequirementRecord)) throw outcome
    }
    const eventRows = events.flatMap((event) => [
      runId,
      event.seq,
      Docs.events.encode(operation, Docs.key(runId, event.seq), event),
    ])
    try {
      sql.insertEvents(eventRows)
    } catch (error) {
      throw isKeyTaken(error) ? takenSequence(runId, eventRows, error) : error
    }
    sql.insertMessages(
      messages.flatMap((message, offset) => {
        const position = transcriptStart + offset
        return [runId, position, Docs.messages.encode(operation, Docs.key(runId, position), message)]
      }),
    )
  }

  /**
   * Which event of a batch refused as a whole has its sequence number taken: the batch's rows
   * again, one at a time, up to the first that the database finds taken.
   */
  const takenSequence = (runId: string, eventRows: ReadonlyArray<unknown>, refusal: unknown) => {
    for (let row = 0; row < eventRows.length; row += 3) {
      const seq = eventRows[row + 1] as number
      if (sql.insertEvent.run(runId, seq, eventRows[row + 2] as string).changes === 0)
        return new EventSequenceConflict({ runId, seq })
    }
    return refusal
  }

  // Writes of several rows are immediate transactions: they take the write lock up front, so one
  // never fails halfway on another connection's lock, and a crash keeps all of it or none.
  // A claim (a run's creation, a batch that continues it) stores its writer's lease with it.
  const appendBatch = db.transaction((batch: JournalBatch) => {
    append('appendBatch', batch)
    if (batch.lease !== undefined) sql.putLease.run(batch.lease)
  })

  // A stop ends every lease of its run, the one its batch carries too: that one is not stored.
  const commit = db.transaction(
    (
      batch: JournalBatch,
      run: RunRecord,
      requirements: ReadonlyArray<RequirementRecord>,
      deliveries: ReadonlyArray<Delivery> | undefined,
    ) => {
      append('commit', batch)
      outbox.enqueue('commit', deliveries)
      for (const record of requirements) {
        const doc = Docs.requirements.encode('commit', Docs.key(record.id), record)
        const { id, runId, kind, status, createdAt } = record
        const expiresAt = record.expiresAt ?? null
        if (sql.putRequirement.run({ id, runId, kind, status, createdAt, expiresAt, doc }).changes === 0)
          throw new StoreError({
            operation: 'commit',
            reason: `requirement ${String(Docs.key(id))} is already stored`,
          })
        // Raised with the pause: in the queue exactly when the pause is stored.
        if (kind === Approval.kind) putApproval('commit', Approval.fromRequirement(record, run))
      }
      sql.saveRun.run(runRow('commit', run))
      sql.endLeases.run(run.runId)
    },
  )

  /** A new run and its first batch; a taken run id writes nothing. */
  const createRun = db.transaction((run: RunRecord, first: JournalBatch | undefined) => {
    if (sql.insertRun.run(runRow('createRun', run)).changes === 0)
      throw new RunAlreadyExists({ runId: run.runId })
    if (first === undefined) return
    append('createRun', first)
    if (first.lease !== undefined) sql.putLease.run(first.lease)
  })

  /** A write's outcome: the answers of a race (`isAnswer`) pass through; they are not failures of the store. */
  const write = <E>(operation: string, call: () => void, isAnswer: (cause: unknown) => cause is E) =>
    Effect.try({
      try: call,
      catch: (cause): E | StoreError =>
        isAnswer(cause) || cause instanceof StoreError
          ? cause
          : new StoreError({ operation, reason: reasonOf(cause) }),
    })

  /**
   * Records a decision, inside the caller's transaction: the resolved record, or why there is
   * none (nothing written then). The decode check rolls a corrupt row's update back.
   */
  const decide = (
    operation: string,
    runId: string,
    requirementId: string,
    resolution: Resolution,
    deliveries: ReadonlyArray<Delivery> | undefined,
  ): RequirementRecord | RequirementNotFound | RequirementAlreadyResolved => {
    const json = Docs.resolutions.encode(operation, Docs.key(requirementId), resolution)
    const row = sql.resolveRequirement.get({ id: requirementId, runId, resolution: json })
    // Only a loser reads, and only to say why it lost.
    if (row === undefined)
      return sql.requirementStatus.get(requirementId, runId) === undefined
        ? new RequirementNotFound({ runId, requirementId })
        : new RequirementAlreadyResolved({ requirementId })
    const resolved = Docs.requirements.decode(operation, Docs.key(requirementId), row.doc)
    outbox.enqueue(operation, deliveries)
    // An approval is decided with its requirement, as of its run's record.
    if (resolved.kind === Approval.kind) {
      const stored = sql.getRun.get(runId)
      if (stored === undefined)
        throw new StoreError({
          operation,
          reason: `approval ${String(Docs.key(requirementId))} has no run ${String(Docs.key(runId))} stored`,
        })
      const run = Docs.runs.decode(operation, Docs.key(runId), stored.doc)
      putApproval(operation, Approval.fromRequirement(resolved, run))
    }
    return resolved
  }

  const resolve = db.transaction(
    (
      runId: string,
      requirementId: string,
      resolution: Resolution,
      deliveries: ReadonlyArray<Delivery> | undefined,
    ) => decide('resolveRequirement', runId, requirementId, resolution, deliveries),
  )

  const decodeApproval = (operation: string) => (row: { readonly id: string; readonly doc: unknown }) =>
    Docs.approvals.decode(operation, Docs.key(row.id), row.doc)

  /** The page and the count read in one transaction, so that the total is the page's. */
  const listApprovals = db.transaction((query: Approval.ApprovalQuery) => ({
    approvals: listings.approvals(query).map(decodeApproval('listApprovals')),
    ...pageTotal(listings.countApprovalsOfPage(query), query),
  }))

  /** Like the approvals: the page and its total from one transaction. */
  const listRuns = db.transaction((query: RunQuery) => ({
    runs: listings.runs(query).map((row) => Docs.runs.decode('listRuns', Docs.key(row.id), row.doc)),
    ...pageTotal(listings.countRunsOfPage(query), query),
  }))

  /**
   * Changes an active grant under the write lock: of concurrent callers, the first changes it and
   * the others read it changed. What `also` writes (a use's approval) commits with the change, or
   * nothing does.
   */
  const changeGrant = db.transaction(
    (
      operation: string,
      grantId: string,
      change: (grant: Grant.Grant) => Grant.Grant,
      also: () => void,
    ): Grant.Grant | GrantNotFound | GrantInactive => {
      const row = sql.getGrant.get(grantId)
      if (row === undefined) return new GrantNotFound({ grantId })
      const grant = Docs.grants.decode(operation, Docs.key(grantId), row.doc)
      const status = Grant.statusOf(grant)
      if (status !== 'active') return new GrantInactive({ grantId, status })
      const changed = change(grant)
      const { status: next, doc } = grantRow(operation, changed)
      if (sql.updateGrant.run({ id: grantId, status: next, doc }).changes === 0)
        throw new StoreError({
          operation,
          reason: `grants row ${String(Docs.key(grantId))} is corrupt: its status column says it is not active`,
        })
      also()
      return changed
    },
  )

  const grantOutcome = (
    operation: string,
    call: () => Grant.Grant | GrantNotFound | GrantInactive,
  ): Effect.Effect<Grant.Grant, GrantNotFound | GrantInactive | StoreError> =>
    Effect.flatMap(attempt(operation, call), (outcome) =>
      outcome instanceof Grant.Grant ? Effect.succeed(outcome) : Effect.fail(outcome),
    )

  return {
    createRun: (run, first) => write('createRun', () => createRun.immediate(run, first), isRefusalOrTaken),
    getRun: (runId) =>
      attempt('getRun', () =>
        Option.fromNullable(sql.getRun.get(runId)).pipe(
          Option.map(({ doc }) => Docs.runs.decode('getRun', Docs.key(runId), doc)),
        ),
      ),

    appendBatch: (batch) => write('appendBatch', () => appendBatch.immediate(batch), isRefusal),
    commit: (batch, run, requirements, deliveries) =>
      write('commit', () => commit.immediate(batch, run, requirements, deliveries), isRefusal),

    readTranscript: (runId) =>
      attempt('readTranscript', () =>
        sql.readTranscript.all(runId).map(({ position, doc }, index) => {
          // Batches append without gaps: a missing message is damage, not a shorter history.
          if (position !== index)
            throw new StoreError({
              operation: 'readTranscript',
              reason: `transcript of run ${String(Docs.key(runId))} has no message at position ${index}`,
            })
          return Docs.messages.decode('readTranscript', Docs.key(runId, position), doc)
        }),
      ),

    getRequirement: (runId, requirementId) =>
      attempt('getRequirement', () =>
        Option.fromNullable(sql.getRequirement.get(requirementId, runId)).pipe(
          Option.map(({ doc }) => Docs.requirements.decode('getRequirement', Docs.key(requirementId), doc)),
        ),
      ),
    listRequirements: (runId) =>
      attempt('listRequirements', () =>
        sql.listRequirements
          .all(runId)
          .map(({ id, doc }) => Docs.requirements.decode('listRequirements', Docs.key(id), doc)),
      ),
    resolveRequirement: (runId, requirementId, resolution, deliveries) =>
      Effect.flatMap(
        attempt('resolveRequirement', () => resolve.immediate(runId, requirementId, resolution, deliveries)),
        (outcome) => (outcome instanceof RequirementRecord ? Effect.succeed(outcome) : Effect.fail(outcome)),
      ),

    listExpired: (now, limit) =>
      attempt('listExpired', () =>
        sql.listExpired
          .all(now, sqlLimit(limit))
          .map(({ id, doc }) => Docs.requirements.decode('listExpired', Docs.key(id), doc)),
      ),

    listRuns: (query) => attempt('listRuns', () => listRuns(query)),
    renewLease: (lease) => attempt('renewLease', () => void sql.putLease.run(lease)),
    getLease: (runId) => attempt('getLease', () => Option.fromNullable(sql.latestLease.get(runId))),
    listApprovals: (query) => attempt('listApprovals', () => listApprovals(query)),
    countApprovals: (filter) => attempt('countApprovals', () => listings.countApprovals(filter)),
    getApproval: (approvalId) =>
      attempt('getApproval', () =>
        Option.fromNullable(sql.getApproval.get(approvalId)).pipe(
          Option.map(({ doc }) => decodeApproval('getApproval')({ id: approvalId, doc })),
        ),
      ),
    recordApproval: (approval) => attempt('recordApproval', () => recordApproval.immediate(approval)),
    readApprovalChanges: (afterSeq, limit) =>
      attempt('readApprovalChanges', () =>
        sql.readChanges.all(afterSeq, sqlLimit(limit)).map((row) => Docs.change('readApprovalChanges', row)),
      ),
    lastApprovalChangeSeq: () => attempt('lastApprovalChangeSeq', () => sql.lastChangeSeq.get()?.seq ?? 0),

    createGrant: (grant) =>
      attempt('createGrant', () => void sql.putGrant.run(grantRow('createGrant', grant))),
    getGrant: (grantId) =>
      attempt('getGrant', () =>
        Option.fromNullable(sql.getGrant.get(grantId)).pipe(
          Option.map(({ doc }) => Docs.grants.decode('getGrant', Docs.key(grantId), doc)),
        ),
      ),
    listGrants: (filter) =>
      attempt('listGrants', () =>
        listings.grants(filter).map(({ id, doc }) => Docs.grants.decode('listGrants', Docs.key(id), doc)),
      ),
    revokeGrant: (grantId, revocation) =>
      grantOutcome('revokeGrant', () =>
        changeGrant.immediate(
          'revokeGrant',
          grantId,
          (grant) => new Grant.Grant({ ...grant, revocation }),
          () => undefined,
        ),
      ),
    useGrant: (grantId, approval) =>
      grantOutcome('useGrant', () =>
        changeGrant.immediate(
          'useGrant',
          grantId,
          (grant) => new Grant.Grant({ ...grant, uses: grant.uses + 1 }),
          () => putApproval('useGrant', approval),
        ),
      ),

    readEvents: (runId, afterSeq) => attempt('readEvents', () => eventsAfter('readEvents', runId, afterSeq)),
    // One index seek a run: in-process, a query each costs no more than one over all of them.
    readEventsOfRuns: (cursors, limit) =>
      attempt('readEventsOfRuns', () => {
        const found: Array<RunEvent> = []
        for (const { runId, afterSeq } of cursors) {
          if (found.length >= limit) break
          found.push(...eventsAfter('readEventsOfRuns', runId, afterSeq).slice(0, limit - found.length))
        }
        return found
      }),
    eventsMark: () =>
      attempt('eventsMark', () => {
        const { version, changes } = sql.eventsMark.get() ?? { version: 0, changes: 0 }
        return { mark: `${version}:${changes}` }
      }),
    holdSweeperLease: (lease, now) =>
      attempt('holdSweeperLease', () => sql.holdSweeperLease.run({ ...lease, now }).changes === 1),

    claimDeliveries: (claim) => attempt('claimDeliveries', () => outbox.claim(claim)),
    recordDelivery: (deliveryId, outcome) =>
      attempt('recordDelivery', () => outbox.record(deliveryId, outcome)),
    listDeliveries: (filter) => attempt('listDeliveries', () => outbox.list(filter)),
    recordFollowUp: (followUp, deliveries) =>
      attempt('recordFollowUp', () => outbox.recordFollowUp(followUp, deliveries)),
    listFollowUps: (requirementId) => attempt('listFollowUps', () => outbox.listFollowUps(requirementId)),
  }
}
