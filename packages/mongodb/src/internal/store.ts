import {
  Approval,
  type Delivery,
  countLimit,
  EventSequenceConflict,
  type JournalBatch,
  pageTotal,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RequirementRecord,
  type Resolution,
  RunAlreadyExists,
  type RunLease,
  type RunRecord,
  type RunStore,
} from '@countersign/core'
import { Effect, Option } from 'effect'
import { type Db, MongoBulkWriteError } from 'mongodb'
import { lastChangeSeq, readChanges } from './approvalChanges.js'
import { insertNew, makeApprovalQueue, raisedApprovals, written } from './approvals.js'
import {
  collectionsOf,
  type EventDocument,
  numberedId,
  type RunDocument,
  schemaVersion,
  wholeRun,
} from './collections.js'
import * as Docs from './documents.js'
import { attempt, insert, isDuplicateKey, storeError } from './errors.js'
import { makeGrants } from './grants.js'
import { assembleTranscript, batchDocuments } from './journal.js'
import * as Legacy from './legacy.js'
import { makeRunReader, runDocument } from './runs.js'
import { searchFilter } from './runSearch.js'
import { insertEndingLease, makeLeaseReader, renewLease } from './leases.js'
import { flagged, makeOutbox } from './outbox.js'

/** A stop's documents, its deliveries (if any) in the last: inserted with it, they are committed with it. */
const withDeliveries = (documents: Array<EventDocument>, deliveries: ReadonlyArray<Delivery> | undefined) =>
  documents.map((document, index) =>
    index === documents.length - 1
      ? { ...document, ...flagged(Docs.stopDeliveries, 'commit', document._id, deliveries) }
      : document,
  )
import { holdSweeperLease } from './sweeperLease.js'
import { readEventsMark } from './eventsMark.js'
import { EventsMarker } from './eventsMarker.js'

/** A requirement where it stands, and where it was raised: the stop's epoch and its place in the stop's list. */
interface Located {
  readonly record: RequirementRecord
  readonly epoch: number
  readonly position: number
}

const byRaise = (a: Located, b: Located) => a.epoch - b.epoch || a.position - b.position

/** Earliest deadline first, then the earliest raised (requirements due have a deadline). */
const byDeadline = (a: RequirementRecord, b: RequirementRecord) =>
  (a.expiresAt ?? 0) - (b.expiresAt ?? 0) || a.createdAt - b.createdAt

/** Up to how many runs a read of followed runs reads each by its own query (see `readEventsOfRuns`). */
const runsReadApart = 4

/**
 * The RunStore over a database. The writes that decide a race — a run id, an event's sequence
 * number, a requirement's decision, a grant's ending — are each one insert whose key the server
 * refuses twice. Nothing relies on conditional updates, which FerretDB 1.x does not make atomic
 * against concurrent writers, nor on transactions. Every other write is made by the run's single
 * writer, or follows a decision (an approval's document, written by the decision's winner or a
 * read repairing it, always with what the decision says), or is an insert that leaves a taken
 * key as it is (approvals).
 */
export const makeRunStore = (db: Db): RunStore => {
  const marker = new EventsMarker(db)
  const c = collectionsOf(db)

  const runs = makeRunReader(c)
  const { readRun, hasEventAfter } = runs
  const approvals = makeApprovalQueue(c, runs)
  const grants = makeGrants(c)
  const leases = makeLeaseReader(c, runs)
  const outbox = makeOutbox(c)

  /** Every requirement of a run, decided or not, in the order they were raised; and the run as of its last stop. */
  const locateAll = async (operation: string, runId: string) => {
    // A decision's `doc` (its resolution) is in its decided requirement too: only version 1's are read for it.
    const [decisions, run] = await Promise.all([
      c.resolutions.find({ runId }, { ...wholeRun, projection: { doc: 0 } }).toArray(),
      readRun(operation, runId),
    ])
    const legacy = run?.mayHaveV1Requirements ? await Legacy.findRequirements(c, runId) : []
    const v1Decided = decisions.flatMap(({ _id, requirement }) => (requirement === undefined ? [_id] : []))
    const legacyDecisions = new Map<string, Docs.Stored>(
      (legacy.length > 0 && v1Decided.length > 0 ? await Legacy.findDecisions(c, v1Decided) : []).map(
        (decision) => [decision._id, decision] as const,
      ),
    )
    const located: Array<Located> = []
    const decided = new Set<string>()
    for (const decision of decisions) {
      decided.add(decision._id)
      if (decision.requirement === undefined) continue
      const record = Docs.decidedRequirement.decode(operation, decision)
      located.push({ record, epoch: record.epoch, position: decision.position ?? 0 })
    }
    run?.raised.forEach((record, position) => {
      if (!decided.has(record.id)) located.push({ record, epoch: record.epoch, position })
    })
    for (const document of legacy) {
      // Decided since this version read it: its decision holds the whole requirement.
      if (decided.has(document._id) && !legacyDecisions.has(document._id)) continue
      const record = Legacy.withDecision(operation, document, legacyDecisions.get(document._id))
      located.push({ record, epoch: record.epoch, position: document.position })
    }
    return { located: located.sort(byRaise), run }
  }

  const locate = async (operation: string, runId: string, requirementId: string) => {
    const { located, run } = await locateAll(operation, runId)
    return { found: located.find(({ record }) => record.id === requirementId), run }
  }

  /**
   * The requirements a stop that raises none carries on: the last stop's, as its committing writer
   * finds them. Its own stops' `runs` writes succeeded (else it would have stopped writing), so a
   * `runs` document at or past the stop before its claim is current: one read by `_id`. Else (no
   * lease to tell, or a claim that took over a run after a lost `runs` write) the run is read whole.
   */
  const carriedRequirements = async (operation: string, runId: string, lease: RunLease | undefined) => {
    const stored = lease === undefined ? null : await c.runs.findOne({ _id: runId })
    if (stored !== null && lease !== undefined) {
      const state = runs.fromDocument(operation, stored)
      if (state.record.lastSeq >= lease.claimSeq - 1) return state.raised
    }
    return (await readRun(operation, runId))?.raised ?? []
  }

  /**
   * Inserts a batch's documents in order (ending `ended`, a lease, in the same command): a taken
   * sequence number stops it, and is the race's answer. Then has the events marked (see
   * eventsMark.ts), for other processes' readers.
   */
  const insertBatch = (
    operation: string,
    batch: JournalBatch,
    documents: Array<EventDocument>,
    ended?: RunLease,
  ) =>
    Effect.tryPromise({
      try: async () => {
        await (ended === undefined
          ? c.events.insertMany(documents, { ordered: true })
          : insertEndingLease(c, documents, ended))
        marker.appended(batch.runId, batch.events.at(-1)?.seq ?? 0)
      },
      catch: (cause) => {
        if (!isDuplicateKey(cause)) return storeError(operation, cause)
        const [refused] = cause instanceof MongoBulkWriteError ? [cause.writeErrors].flat() : []
        const event = batch.events[refused?.index ?? 0] ?? batch.events[0]
        return new EventSequenceConflict({ runId: batch.runId, seq: event?.seq ?? 0 })
      },
    })

  /** Encodes documents, an unencodable value failing the operation before anything is written. */
  const encode = <A>(operation: string, build: () => A) =>
    Effect.try({ try: build, catch: (cause) => storeError(operation, cause) })

  /*
   * The insert of the decision under the requirement's id is the one write that decides: of
   * concurrent callers, across processes, the server lets exactly one through. The winner then
   * writes an approval's document, the decision flagged until it is written (see approvals.ts).
   */
  const insertDecision = Effect.fnUntraced(function* (
    runId: string,
    found: Located,
    run: RunRecord | undefined,
    resolution: Resolution,
    deliveries: ReadonlyArray<Delivery> | undefined,
  ) {
    const operation = 'resolveRequirement'
    const requirementId = found.record.id
    if (found.record.status !== 'pending') return yield* new RequirementAlreadyResolved({ requirementId })
    const resolved = new RequirementRecord({ ...found.record, status: 'resolved', resolution })
    const isApproval = resolved.kind === Approval.kind
    const document = yield* encode(operation, () => ({
      _id: requirementId,
      schemaVersion,
      runId,
      resolvedAt: resolution.resolvedAt,
      doc: Docs.resolutions.encode(operation, requirementId, resolution),
      requirement: Docs.decidedRequirement.encode(operation, requirementId, resolved),
      epoch: found.epoch,
      position: found.position,
      ...(isApproval ? { approvalOutdated: true } : {}),
      ...flagged(Docs.decisionDeliveries, operation, requirementId, deliveries),
    }))
    yield* insert(
      operation,
      () => c.resolutions.insertOne(document),
      () => new RequirementAlreadyResolved({ requirementId }),
    )
    // Read back from the stored text: the caller gets a copy that shares nothing with its input.
    const decided = Docs.decidedRequirement.decode(operation, document)
    if (isApproval && run !== undefined)
      yield* attempt(operation, () => approvals.decided(operation, decided, run))
    yield* attempt(operation, () => outbox.decided(operation, document))
    return decided
  })

  const resolveRequirement: RunStore['resolveRequirement'] = Effect.fnUntraced(function* (
    runId: string,
    requirementId: string,
    resolution: Resolution,
    deliveries?: ReadonlyArray<Delivery>,
  ) {
    const operation = 'resolveRequirement'
    const { found, run } = yield* attempt(operation, () => locate(operation, runId, requirementId))
    if (found === undefined) return yield* new RequirementNotFound({ runId, requirementId })
    return yield* insertDecision(runId, found, run?.record, resolution, deliveries)
  })

  /**
   * The stop a claim goes on from (the event before its first): its document holds the run's
   * record and the requirements of the pause, as raised. One read by `_id`, where deciding one by
   * one reads the run and its decisions for each.
   */
  const stopBefore = async (operation: string, batch: JournalBatch) => {
    const seq = (batch.events[0]?.seq ?? 0) - 1
    const stop = seq < 1 ? null : await c.events.findOne({ _id: numberedId(batch.runId, seq) })
    if (stop?.record === undefined || stop.requirements === undefined) return undefined
    return {
      record: Docs.stopRecord.decode(operation, stop),
      raised: Docs.stopRequirements.decode(operation, stop),
    }
  }

  /**
   * A batch's decisions, one by one before the batch (no transaction joins them): each has one
   * winner, its insert. A decision on a requirement of the stop the claim goes on from is placed
   * as that stop raised it (an undecided requirement's record is the raised one, and a decided
   * one's insert is refused); any other is located as `resolveRequirement` locates it.
   */
  const decide = Effect.fnUntraced(function* (batch: JournalBatch) {
    const decisions = batch.decisions ?? []
    if (decisions.length === 0) return
    const stop = yield* attempt('resolveRequirement', () => stopBefore('resolveRequirement', batch))
    for (const { requirementId, resolution, deliveries } of decisions) {
      const position = stop?.raised.findIndex(({ id }) => id === requirementId) ?? -1
      const record = stop?.raised[position]
      yield* record === undefined || record.runId !== batch.runId
        ? resolveRequirement(batch.runId, requirementId, resolution, deliveries)
        : insertDecision(
            batch.runId,
            { record, epoch: record.epoch, position },
            stop?.record,
            resolution,
            deliveries,
          )
    }
  })

  const appendBatch: RunStore['appendBatch'] = (batch) =>
    Effect.zipRight(
      decide(batch),
      Effect.flatMap(
        encode('appendBatch', () => batchDocuments('appendBatch', batch)),
        (documents) => insertBatch('appendBatch', batch, documents),
      ),
    )

  return {
    // Two writes: the run (with its first writer's lease), then its first batch.
    createRun: (run, first) =>
      Effect.flatMap(
        encode('createRun', () => runDocument('createRun', run, [])),
        (document) =>
          Effect.zipRight(
            insert(
              'createRun',
              () =>
                c.runs.insertOne({
                  _id: run.runId,
                  ...document,
                  createdIn: schemaVersion,
                  ...(first?.lease === undefined ? {} : { leaseExpiresAt: first.lease.expiresAt }),
                }),
              () => new RunAlreadyExists({ runId: run.runId }),
            ),
            first === undefined ? Effect.void : appendBatch(first),
          ),
      ),
    getRun: (runId) =>
      attempt('getRun', async () => Option.fromNullable((await readRun('getRun', runId))?.record)),

    // A claim's lease is in its first event's document (see leases.ts).
    appendBatch,
    /*
     * Two writes: the batch, whose stop document holds everything the stop changes, then the
     * run's document for the queries. Readers take a stop they find past the run's document as
     * the run's state, so the stop is committed once the batch is in. A stop that raises approvals
     * inserts them between the two (see approvals.ts): a read that finds the stop past the run's
     * document inserts whichever are missing, so a crash between the writes loses none of them.
     */
    commit: Effect.fnUntraced(function* (
      batch: JournalBatch,
      run: RunRecord,
      raised: ReadonlyArray<RequirementRecord>,
      deliveries?: ReadonlyArray<Delivery>,
    ) {
      // A stop that raises none keeps the last ones (decided, or left open by an ending): read
      // by the run's only writer, they go into both of its writes, so each alone is complete.
      const requirements =
        raised.length > 0
          ? raised
          : yield* attempt('commit', () => carriedRequirements('commit', run.runId, batch.lease))
      const [documents, runDocumentValue, approvalDocuments] = yield* encode(
        'commit',
        () =>
          [
            withDeliveries(batchDocuments('commit', batch, { record: run, requirements }), deliveries),
            runDocument('commit', run, requirements),
            raisedApprovals(raised, run).map((approval) => written('commit', approval)),
          ] as const,
      )
      // The stop's writer ends the lease of a claim before the stop with its batch, in one
      // command: once the stop is in, that lease is over whatever its document says (see leases.ts).
      const ended =
        batch.lease !== undefined && batch.lease.claimSeq < (batch.events[0]?.seq ?? 0)
          ? batch.lease
          : undefined
      yield* decide(batch)
      yield* insertBatch('commit', batch, documents, ended)
      if (approvalDocuments.length > 0) yield* attempt('commit', () => insertNew(c, approvalDocuments))
      yield* attempt('commit', () =>
        c.runs.updateOne(
          { _id: run.runId },
          {
            $set: runDocumentValue,
            ...(runDocumentValue.expiresAt === undefined ? { $unset: { expiresAt: '' as const } } : {}),
          },
          { upsert: true },
        ),
      )
      const stop = documents.at(-1)
      if (stop !== undefined) yield* attempt('commit', () => outbox.committed('commit', stop))
    }),
    renewLease: (lease) => attempt('renewLease', () => renewLease(c, lease)),
    holdSweeperLease: (lease, now) => attempt('holdSweeperLease', () => holdSweeperLease(c, lease, now)),
    getLease: (runId) => attempt('getLease', async () => Option.fromNullable(await leases.getLease(runId))),

    readEvents: (runId, afterSeq) =>
      attempt('readEvents', async () =>
        !(await hasEventAfter(runId, afterSeq))
          ? []
          : (
              await c.events
                .find(
                  { runId, seq: { $gt: afterSeq } },
                  { ...wholeRun, projection: { schemaVersion: 1, doc: 1 } },
                )
                .sort({ seq: 1 })
                .toArray()
            ).map((stored) => Docs.events.decode('readEvents', stored)),
      ),
    eventsMark: (since) => attempt('eventsMark', () => readEventsMark(db, since)),
    /*
     * Read once the events' mark moved (see eventsMark.ts). A few runs, those the mark said moved,
     * are read each by its own filter, which FerretDB 1.x pushes down. Many (every run followed,
     * when the mark could not say which moved) get a lookup by `_id` of each run's next event
     * first, then the events of the runs that moved, the few of them. (On FerretDB, which filters
     * each document itself for an `$in` or an `$or`, that is a scan of `events` per query, and
     * an `$or` of a hundred runs costs ten times the lookup.)
     */
    readEventsOfRuns: (cursors, limit) =>
      attempt('readEventsOfRuns', async () => {
        if (cursors.length === 0 || limit <= 0) return []
        if (cursors.length <= runsReadApart) {
          const read = await Promise.all(
            cursors.map(({ runId, afterSeq }) =>
              c.events
                .find(
                  { runId, seq: { $gt: afterSeq } },
                  { ...wholeRun, projection: { schemaVersion: 1, doc: 1 } },
                )
                .sort({ seq: 1 })
                .limit(limit)
                .toArray(),
            ),
          )
          return read
            .flat()
            .slice(0, limit)
            .map((stored) => Docs.events.decode('readEventsOfRuns', stored))
        }
        const next = await c.events
          .find(
            { _id: { $in: cursors.map(({ runId, afterSeq }) => numberedId(runId, afterSeq + 1)) } },
            { projection: { runId: 1 } },
          )
          .toArray()
        const moved = new Set(next.map(({ runId }) => runId))
        const due = cursors.filter(({ runId }) => moved.has(runId))
        if (due.length === 0) return []
        const branches = due.map(({ runId, afterSeq }) => ({ runId, seq: { $gt: afterSeq } }))
        const found = await c.events
          .find(
            // One run moved (a run resumed while its followers wait): its own filter, not an `$or`
            // of one, which FerretDB 1.x applies to every event itself rather than push it down.
            branches.length === 1 ? branches[0]! : { $or: branches },
            { projection: { schemaVersion: 1, doc: 1 } },
          )
          .sort({ runId: 1, seq: 1 })
          .limit(limit)
          .toArray()
        return found.map((stored) => Docs.events.decode('readEventsOfRuns', stored))
      }),
    readTranscript: (runId) =>
      attempt('readTranscript', async () => {
        const operation = 'readTranscript'
        const batches = await c.events
          .find(
            { runId, transcriptStart: { $exists: true } },
            { ...wholeRun, projection: { schemaVersion: 1, transcriptStart: 1, messages: 1 } },
          )
          .sort({ seq: 1 })
          .toArray()
        // Messages before the first batch's were kept by version 1, as many as its record counted.
        const first = batches[0]?.transcriptStart
        const kept =
          typeof first === 'number'
            ? first
            : ((await readRun(operation, runId))?.record.transcriptLength ?? 0)
        return [
          ...(await Legacy.readTranscript(c, operation, runId, kept)),
          ...assembleTranscript(operation, runId, kept, batches),
        ]
      }),

    getRequirement: (runId, requirementId) =>
      attempt('getRequirement', async () =>
        Option.fromNullable((await locate('getRequirement', runId, requirementId)).found?.record),
      ),
    listRequirements: (runId) =>
      attempt('listRequirements', async () =>
        (await locateAll('listRequirements', runId)).located.map(({ record }) => record),
      ),

    resolveRequirement,

    /*
     * The runs whose earliest deadline has passed, as their `runs` documents say (see
     * `RunDocument.expiresAt`), earliest first, a page at a time: their pending requirements that
     * are due and undecided, until those found cannot be displaced by the runs further on. A stop
     * whose `runs` write was lost is seen here once the run's document has it, like every query of
     * runs: a run is read (and its state rolled forward) when it is resumed or recovered.
     */
    listExpired: (now, limit) =>
      attempt('listExpired', async () => {
        const operation = 'listExpired'
        if (limit <= 0) return []
        const pageSize = Math.max(limit, 100)
        const found: Array<RequirementRecord> = []
        const cursor = c.runs
          .find({ status: 'paused', expiresAt: { $lte: now } })
          .sort({ expiresAt: 1, _id: 1 })
          .batchSize(pageSize)
        try {
          for (;;) {
            const page: Array<RunDocument> = []
            for (let next = await cursor.next(); next !== null; next = await cursor.next()) {
              page.push(next)
              if (page.length === pageSize) break
            }
            const states = await runs.statesOf(operation, page)
            const due = page.flatMap(({ _id }) => {
              const state = states.get(_id)
              return state === undefined || state.record.status !== 'paused'
                ? []
                : state.raised.filter(
                    ({ status, expiresAt }) =>
                      status === 'pending' && expiresAt !== undefined && expiresAt <= now,
                  )
            })
            if (due.length > 0) {
              const decisions = await c.resolutions
                .find({ _id: { $in: due.map(({ id }) => id) } }, { projection: { _id: 1 } })
                .toArray()
              const decided = new Set(decisions.map(({ _id }) => _id))
              found.push(...due.filter(({ id }) => !decided.has(id)))
              found.sort(byDeadline)
            }
            const last = page.at(-1)?.expiresAt
            const cutoff = found[limit - 1]?.expiresAt
            if (page.length < pageSize || (last !== undefined && cutoff !== undefined && cutoff < last)) break
          }
        } finally {
          await cursor.close()
        }
        return found.slice(0, limit)
      }),

    /*
     * Filtered and ordered on the `runs` document's copies; each run read as of its last stop.
     * Root runs are those whose document has no `parentRunId`.
     */
    listRuns: (query) =>
      attempt('listRuns', async () => {
        if (query.interruptedAt !== undefined) return leases.listInterrupted(query)
        const filter = {
          parentRunId: { $exists: false },
          ...(query.userId === undefined ? {} : { userId: query.userId }),
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.agentId === undefined ? {} : { agentId: query.agentId }),
          ...searchFilter(query.search),
        }
        const [documents, counted] = await Promise.all([
          c.runs.find(filter).sort({ createdAt: -1, _id: 1 }).skip(query.offset).limit(query.limit).toArray(),
          c.runs.countDocuments(filter, { limit: countLimit(query) }),
        ])
        const states = await runs.statesOf('listRuns', documents)
        return {
          runs: documents.flatMap(({ _id }) => states.get(_id)?.record ?? []),
          ...pageTotal(counted, query),
        }
      }),
    listApprovals: (query) => attempt('listApprovals', () => approvals.list('listApprovals', query)),
    countApprovals: (filter) => attempt('countApprovals', () => approvals.count('countApprovals', filter)),
    getApproval: (approvalId) => attempt('getApproval', () => approvals.get('getApproval', approvalId)),
    recordApproval: (approval) =>
      attempt('recordApproval', () => approvals.record('recordApproval', approval)),
    readApprovalChanges: (afterSeq, limit) =>
      attempt('readApprovalChanges', () => readChanges(c, 'readApprovalChanges', afterSeq, limit)),
    lastApprovalChangeSeq: () => attempt('lastApprovalChangeSeq', () => lastChangeSeq(c)),

    createGrant: grants.create,
    getGrant: grants.get,
    listGrants: grants.list,
    revokeGrant: grants.revoke,
    useGrant: grants.use,

    claimDeliveries: (claim) => attempt('claimDeliveries', () => outbox.claim(claim)),
    recordDelivery: (deliveryId, outcome) =>
      attempt('recordDelivery', () => outbox.record(deliveryId, outcome)),
    listDeliveries: (filter) => attempt('listDeliveries', () => outbox.list(filter)),
    recordFollowUp: (followUp, deliveries) =>
      attempt('recordFollowUp', () => outbox.recordFollowUp(followUp, deliveries)),
    listFollowUps: (requirementId) => attempt('listFollowUps', () => outbox.listFollowUps(requirementId)),
  }
}
