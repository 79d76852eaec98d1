import type { Collection, Db, IndexDescription } from 'mongodb'

/**
 * The layout of the database. Every document carries `schemaVersion`; its record lives in a
 * text field (`doc`, …) as the Schema-encoded JSON, and the other fields are copies of what the
 * queries filter or sort on.
 *
 * Records are kept as JSON text, not as nested BSON, because they hold arbitrary JSON from models
 * and plugins: keys such as `$ref` or `a.b` are refused by FerretDB 1.x and only partly supported
 * by MongoDB, and the driver reads `{ $ref, $id }` back as a DBRef.
 *
 * Version 2 keeps a run's journal in `events`: one document per event, the transcript messages
 * of a batch in its first event's document, and at a stop the new run record and the
 * requirements raised in the stop's document. A batch is one `insertMany`, a stop one more write
 * (the `runs` document), so a pause and resume cost few writes. Version 1 documents (separate
 * `transcript`, `requirements` and `claims` collections) are still read: see legacy.ts.
 *
 * Approvals and grants came later in version 2, in collections of their own (`approvals`,
 * `grants`, `grant_endings`; then the queue's journal, `approval_changes`, and its `counters`) and in fields older documents lack (`expiresAt` of `runs`, the
 * `approvalOutdated` flag of `resolutions`): documents written before them read as they did. A
 * run paused before them has no approvals in the queue (nothing wrote them); its requirements
 * and their decisions read as ever. Fields that later versions query on are backfilled into
 * older documents at start (see backfills.ts).
 */
export const schemaVersion = 2

export const collectionNames = {
  runs: 'runs',
  events: 'events',
  resolutions: 'resolutions',
  transcript: 'transcript',
  requirements: 'requirements',
  approvals: 'approvals',
  grants: 'grants',
  grantEndings: 'grant_endings',
  approvalChanges: 'approval_changes',
  counters: 'counters',
  migrations: 'migrations',
  deliveries: 'deliveries',
  deliveryClaims: 'delivery_claims',
  followUps: 'follow_ups',
  sweeperLeases: 'sweeper_leases',
} as const

export type CollectionName = keyof typeof collectionNames

/** A pending requirement as the queries see it (its record is in the run's `requirements` text). */
export interface RaisedRequirement {
  id: string
  kind: string
  createdAt: number
  expiresAt?: number
}

/**
 * The run's record as of its last stop; `requirements` are those of the last stop that raised any,
 * carried by every later stop. `expiresAt` is the earliest deadline among them, for the sweeper's
 * query (`listExpired`): a run's requirements all expire at or after it.
 */
export interface RunDocument {
  _id: string
  schemaVersion: number
  agentId: string
  userId?: string
  status: string
  updatedAt: number
  /** Copies of the record's, for `listRuns` (backfilled into documents written before it). */
  createdAt?: number
  parentRunId?: string
  /** Copies of the record's, for `listRuns`'s search (backfilled like `createdAt`). */
  input?: string
  content?: string
  doc: string
  requirements?: string
  raised?: Array<RaisedRequirement>
  expiresAt?: number
  /** Until when its first writer's lease holds, as created (its claim is the run's creation: `claimSeq` 1). */
  leaseExpiresAt?: number
  /**
   * The schema version that created the run, set by `createRun` and never changed: a run created
   * by version 2 never had requirements in version 1's `requirements`, so its reads skip that query.
   * Documents without it (runs of version 1, or created before it was written) are read as ever.
   */
  createdIn?: number
}

/**
 * `_id`: `runId:seq`. The first event of a batch carries its messages; a stop's, the run's new
 * record and the requirements its `runs` document gets.
 */
export interface EventDocument {
  _id: string
  schemaVersion: number
  runId: string
  seq: number
  doc: string
  transcriptStart?: number
  messages?: string
  record?: string
  requirements?: string
  /**
   * On a writer's claim (the first event it stored): until when its lease holds. Written by that
   * writer only — with the batch, then renewed — so no two writers write it; its stop removes it.
   */
  leaseExpiresAt?: number
  /** On a stop that wrote notifications: its deliveries, flagged `outboxPending` until they are in `deliveries` (see outbox.ts). */
  deliveries?: string
  outboxPending?: boolean
}

/**
 * The decision on a requirement (`_id`: the requirement's id): inserted once, the truth of every
 * read. From version 2 it holds the decided requirement too, and where it was raised (the stop's
 * epoch and its place in the stop's list), for listing in order. The decision on an approval's
 * requirement is inserted with `approvalOutdated` set until the approval document says so too (see
 * approvals.ts).
 */
export interface ResolutionDocument {
  _id: string
  schemaVersion: number
  runId: string
  resolvedAt: number
  doc: string
  requirement?: string
  epoch?: number
  position?: number
  approvalOutdated?: boolean
  /** Its notifications' deliveries, flagged `outboxPending` until they are in `deliveries` (see outbox.ts). */
  deliveries?: string
  outboxPending?: boolean
}

/**
 * A delivery of the outbox (`_id`: its id): its record in `doc`, and beside it what claims and
 * listings filter and sort on. Written by `commit` or `resolveRequirement` (or a repair of what
 * they left flagged), then by its claimers.
 */
export interface DeliveryDocument {
  _id: string
  schemaVersion: number
  channel: string
  runId: string
  requirementId?: string
  status: string
  nextAttemptAt: number
  createdAt: number
  doc: string
}

/**
 * A claim of one attempt at a delivery (`_id`: `deliveryId:n`, n = 1, 2, …): inserted once, so of
 * concurrent claimers of the same attempt the server lets one through. Its lease ends at
 * `leaseUntil`, or when the attempt is recorded.
 */
/**
 * A reminder or escalation of a requirement (`_id`: `requirementId:step`): inserted once, so the
 * server lets one of concurrent sweepers through; its deliveries with it, flagged `outboxPending`
 * until they are in `deliveries` (see outbox.ts).
 */
export interface FollowUpDocument {
  _id: string
  schemaVersion: number
  requirementId: string
  doc: string
  deliveries?: string
  outboxPending?: boolean
}

export interface DeliveryClaimDocument {
  _id: string
  deliveryId: string
  n: number
  owner: string
  leaseUntil: number
}

/**
 * An approval (`_id`: its id; a required approval's is its requirement's), its record in `doc` and
 * beside it what the queue filters and sorts on. A use of a grant is written with `usedGrant`,
 * which is what the grant's uses count. The record's `runStatus` is as written: reads replace it
 * with the run's current status.
 */
export interface ApprovalDocument {
  _id: string
  schemaVersion: number
  type: string
  status: string
  runId: string
  sourceId: string
  toolName: string
  createdAt: number
  userId?: string
  sessionId?: string
  grantId?: string
  usedGrant?: string
  doc: string
}

/** A grant as given (`_id`: its id): never updated. Its uses and its ending are counted and read elsewhere. */
export interface GrantDocument {
  _id: string
  schemaVersion: number
  scope: string
  sessionId: string
  sourceId: string
  toolName: string
  grantedAt: number
  doc: string
}

/**
 * How a grant stopped being active (`_id`: the grant's id): revoked, or a `once` grant used. Inserted
 * once, by the one caller the server lets through: a grant ends once. A use carries the approval it
 * recorded, should the process die before writing it to `approvals`.
 */
export interface GrantEndingDocument {
  _id: string
  schemaVersion: number
  kind: 'revoked' | 'used'
  at: number
  revocation?: string
  approval?: string
}

/**
 * A change to the approval queue (`_id`: its number, 1, 2, 3, … across the database), inserted
 * once its approval's write has succeeded (see approvalChanges.ts). Its fields are plain: they
 * are stored as they are, not as a record's text.
 */
export interface ApprovalChangeDocument {
  _id: number
  schemaVersion: number
  approvalId: string
  status: string
  at: number
}

/** A counter handing out numbers (`_id`: what it numbers): `seq` is the last one taken. */
export interface CounterDocument {
  _id: string
  seq: number
}

/**
 * The sweeper's lease in one of its terms (`_id`: the term, 1, 2, 3, …): the insert of a term is
 * what decides who takes the lease over, and only the term's holder renews it (see sweeperLease.ts).
 */
export interface SweeperLeaseDocument {
  _id: number
  holder: string
  expiresAt: number
}

/** A backfill applied to the documents of earlier versions (`_id`: its id; see backfills.ts). */
export interface MigrationDocument {
  _id: string
  appliedAt: number
}

/** The counter of the approval queue's changes. */
export const approvalChangeCounter = 'approval_changes'

/** Version 1: the messages of one append, at positions `start…`. `_id`: `runId:start`. */
export interface ChunkDocument {
  _id: string
  schemaVersion: number
  runId: string
  start: number
  count: number
  messages: string
}

/** Version 1: a requirement as it was inserted. */
export interface RequirementDocument {
  _id: string
  schemaVersion: number
  runId: string
  position: number
  kind: string
  status: string
  createdAt: number
  doc: string
}

export interface Collections {
  readonly runs: Collection<RunDocument>
  readonly events: Collection<EventDocument>
  readonly resolutions: Collection<ResolutionDocument>
  readonly transcript: Collection<ChunkDocument>
  readonly requirements: Collection<RequirementDocument>
  readonly approvals: Collection<ApprovalDocument>
  readonly grants: Collection<GrantDocument>
  readonly grantEndings: Collection<GrantEndingDocument>
  readonly approvalChanges: Collection<ApprovalChangeDocument>
  readonly counters: Collection<CounterDocument>
  readonly migrations: Collection<MigrationDocument>
  readonly deliveries: Collection<DeliveryDocument>
  readonly deliveryClaims: Collection<DeliveryClaimDocument>
  readonly followUps: Collection<FollowUpDocument>
  readonly sweeperLeases: Collection<SweeperLeaseDocument>
}

export const collectionsOf = (db: Db): Collections => ({
  runs: db.collection(collectionNames.runs),
  events: db.collection(collectionNames.events),
  resolutions: db.collection(collectionNames.resolutions),
  transcript: db.collection(collectionNames.transcript),
  requirements: db.collection(collectionNames.requirements),
  approvals: db.collection(collectionNames.approvals),
  grants: db.collection(collectionNames.grants),
  grantEndings: db.collection(collectionNames.grantEndings),
  approvalChanges: db.collection(collectionNames.approvalChanges),
  counters: db.collection(collectionNames.counters),
  migrations: db.collection(collectionNames.migrations),
  deliveries: db.collection(collectionNames.deliveries),
  deliveryClaims: db.collection(collectionNames.deliveryClaims),
  followUps: db.collection(collectionNames.followUps),
  sweeperLeases: db.collection(collectionNames.sweeperLeases),
})

/**
 * Options of a query for one run's documents, read whole: the first reply holds them all (up to
 * the server's 16 MB a reply), where the driver's first batch of 101 would add a `getMore` round
 * trip to every such read of a run past a hundred batches or decisions.
 */
export const wholeRun = { batchSize: 100_000 } as const

/** The `_id` of a run's numbered document: `runId:n` (unambiguous, as `n` is an integer). */
export const numberedId = (runId: string, n: number) => `${runId}:${n}`

/**
 * One index per query the API makes. Uniqueness on `_id` is what decides races (a run id, an
 * event's sequence number, a decision, a grant's ending); the unique indexes here are a second guard and serve the
 * queries. Version 1's collections keep the indexes they were made with.
 */
export const indexes: {
  readonly [
    Name in
      | 'runs'
      | 'events'
      | 'resolutions'
      | 'approvals'
      | 'grants'
      | 'deliveries'
      | 'delivery_claims'
      | 'follow_ups'
  ]: ReadonlyArray<IndexDescription>
} = {
  runs: [
    // A user's runs, optionally of one status, most recently active first.
    { name: 'runs_by_user_status', key: { userId: 1, status: 1, updatedAt: -1 } },
    // A user's root runs (no parent: `listRuns`), newest first; and everyone's, for admins.
    { name: 'runs_roots_by_user', key: { userId: 1, parentRunId: 1, createdAt: -1, _id: 1 } },
    { name: 'runs_roots_by_time', key: { parentRunId: 1, createdAt: -1, _id: 1 } },
    // Root runs of a status, of an agent, and a user's of a status (the server's lists, and what
    // awaits a user), newest first: in the lists' order, so that a page does not sort every match.
    { name: 'runs_roots_by_status', key: { status: 1, parentRunId: 1, createdAt: -1, _id: 1 } },
    { name: 'runs_roots_by_agent', key: { agentId: 1, parentRunId: 1, createdAt: -1, _id: 1 } },
    {
      name: 'runs_roots_by_user_status',
      key: { userId: 1, status: 1, parentRunId: 1, createdAt: -1, _id: 1 },
    },
    // Runs of a status (e.g. every paused run), most recently active first.
    { name: 'runs_by_status', key: { status: 1, updatedAt: -1 } },
    // What awaits a decision, newest first, of every kind or of one (the approval queue).
    { name: 'runs_raised', key: { status: 1, 'raised.kind': 1, 'raised.createdAt': -1 } },
    // Paused runs whose earliest deadline has passed (the sweeper's `listExpired`), earliest first.
    { name: 'runs_expiring', key: { status: 1, expiresAt: 1 } },
  ],
  events: [
    { name: 'events_by_run', key: { runId: 1, seq: 1 }, unique: true },
    // The documents that carry a run's transcript.
    { name: 'events_transcript', key: { runId: 1, transcriptStart: 1 } },
    // Claims whose lease is not ended: the runs being worked on (`listRuns` with `interruptedAt`).
    { name: 'events_leased', key: { leaseExpiresAt: 1 }, sparse: true },
    // Stops whose deliveries may not be in the outbox yet: a crash's leftovers, repaired by claims.
    { name: 'events_outbox_pending', key: { outboxPending: 1 }, sparse: true },
  ],
  resolutions: [
    { name: 'resolutions_by_run', key: { runId: 1 } },
    // Decisions whose approval document is not updated yet: a crash's leftovers, repaired on read.
    { name: 'resolutions_approval_outdated', key: { approvalOutdated: 1 }, sparse: true },
    { name: 'resolutions_outbox_pending', key: { outboxPending: 1 }, sparse: true },
  ],
  // The approval queue, newest first: all of it, of a status, and of one run, session, agent, user, tool or grant.
  approvals: [
    { name: 'approvals_by_created', key: { createdAt: -1, _id: 1 } },
    { name: 'approvals_by_status', key: { status: 1, createdAt: -1, _id: 1 } },
    { name: 'approvals_by_run', key: { runId: 1, createdAt: -1 } },
    { name: 'approvals_by_session', key: { sessionId: 1, status: 1, createdAt: -1 } },
    { name: 'approvals_by_source', key: { sourceId: 1, status: 1, createdAt: -1 } },
    // A user's, of every status and of one, in the queue's order (ties by `_id`: no sort of every match).
    { name: 'approvals_by_user_time', key: { userId: 1, createdAt: -1, _id: 1 } },
    { name: 'approvals_by_user_status', key: { userId: 1, status: 1, createdAt: -1, _id: 1 } },
    { name: 'approvals_by_tool', key: { toolName: 1, status: 1, createdAt: -1 } },
    { name: 'approvals_by_grant', key: { grantId: 1, createdAt: -1 }, sparse: true },
    // The uses of a grant, counted.
    { name: 'approvals_grant_uses', key: { usedGrant: 1 }, sparse: true },
  ],
  // Due deliveries, earliest first (claims); a run's and a requirement's, oldest first (listings).
  deliveries: [
    { name: 'deliveries_due', key: { status: 1, nextAttemptAt: 1 } },
    { name: 'deliveries_by_run', key: { runId: 1, createdAt: 1 } },
    { name: 'deliveries_by_requirement', key: { requirementId: 1, createdAt: 1 }, sparse: true },
  ],
  // A delivery's latest claim.
  delivery_claims: [{ name: 'delivery_claims_latest', key: { deliveryId: 1, n: -1 } }],
  // A requirement's reminders and escalations; those whose deliveries may not be in the outbox yet.
  follow_ups: [
    { name: 'follow_ups_by_requirement', key: { requirementId: 1 } },
    { name: 'follow_ups_outbox_pending', key: { outboxPending: 1 }, sparse: true },
  ],
  // A session's grants (of one tool), and an agent's, newest first.
  grants: [
    { name: 'grants_by_session', key: { sessionId: 1, toolName: 1, grantedAt: -1 } },
    { name: 'grants_by_source', key: { sourceId: 1, grantedAt: -1 } },
  ],
}

/**
 * Creates every index that is missing; indexes already there are left as they are. One index per
 * command: FerretDB 1.24 drops the connection (a panic in its handler) when one `createIndexes`
 * command lists two or more indexes that already exist.
 */
export const ensureIndexes = async (db: Db): Promise<void> => {
  for (const [name, specs] of Object.entries(indexes))
    for (const spec of specs) await db.collection(name).createIndexes([spec])
}
