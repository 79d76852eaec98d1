import type { Collection, Db, IndexDescription } from 'mongodb'

/**
 * The layout of the database. Every document carries `schemaVersion`; its record lives in `doc`
 * (or `messages`) as the Schema-encoded JSON text, and the other fields are copies of what the
 * queries filter or sort on.
 *
 * Records are kept as JSON text, not as nested BSON, because they hold arbitrary JSON from models
 * and plugins: keys such as `$ref` or `a.b` are refused by FerretDB 1.x and only partly supported by MongoDB, and
 * the driver reads `{ $ref, $id }` back as a DBRef.
 */
export const schemaVersion = 1

export const collectionNames = {
  runs: 'runs',
  transcript: 'transcript',
  requirements: 'requirements',
  resolutions: 'resolutions',
  events: 'events',
  claims: 'claims',
} as const

export type CollectionName = keyof typeof collectionNames

/** The run's own record, replaced whole at every commit by the run's single writer. */
export interface RunDocument {
  _id: string
  schemaVersion: number
  agentId: string
  userId?: string
  status: string
  updatedAt: number
  doc: string
}

/** The messages of one `appendTranscript` call, at positions `start…start + count - 1`. `_id`: `runId:start`. */
export interface ChunkDocument {
  _id: string
  schemaVersion: number
  runId: string
  start: number
  count: number
  messages: string
}

/** A requirement as it was inserted; `status` and `doc` are brought up to date after a decision. */
export interface RequirementDocument {
  _id: string
  schemaVersion: number
  runId: string
  /** Insertion order within the run: ids are random and a pause's batch shares one timestamp. */
  position: number
  kind: string
  status: string
  createdAt: number
  doc: string
}

/** The decision on a requirement (`_id`: the requirement's id): inserted once, the truth of every read. */
export interface ResolutionDocument {
  _id: string
  schemaVersion: number
  runId: string
  resolvedAt: number
  doc: string
}

/** `_id`: `runId:seq`. */
export interface EventDocument {
  _id: string
  schemaVersion: number
  runId: string
  seq: number
  doc: string
}

/** `_id`: `runId:epoch`; never read, only inserted: the insert that succeeds is the claim. */
export interface ClaimDocument {
  _id: string
  schemaVersion: number
  runId: string
  epoch: number
  owner: string
  at: Date
}

export interface Collections {
  readonly runs: Collection<RunDocument>
  readonly transcript: Collection<ChunkDocument>
  readonly requirements: Collection<RequirementDocument>
  readonly resolutions: Collection<ResolutionDocument>
  readonly events: Collection<EventDocument>
  readonly claims: Collection<ClaimDocument>
}

export const collectionsOf = (db: Db): Collections => ({
  runs: db.collection(collectionNames.runs),
  transcript: db.collection(collectionNames.transcript),
  requirements: db.collection(collectionNames.requirements),
  resolutions: db.collection(collectionNames.resolutions),
  events: db.collection(collectionNames.events),
  claims: db.collection(collectionNames.claims),
})

/** The `_id` of a run's numbered document: `runId:n` (unambiguous, as `n` is an integer). */
export const numberedId = (runId: string, n: number) => `${runId}:${n}`

/**
 * One index per query the API makes. Uniqueness on `_id` is what decides races (a run id, a
 * claim, an event's sequence number, a decision); the unique indexes here are a second guard and
 * serve the queries.
 */
export const indexes: { readonly [Name in CollectionName]: ReadonlyArray<IndexDescription> } = {
  runs: [
    // A user's runs, optionally of one status, most recently active first.
    { name: 'runs_by_user_status', key: { userId: 1, status: 1, updatedAt: -1 } },
    // Runs of a status (e.g. every paused run), most recently active first.
    { name: 'runs_by_status', key: { status: 1, updatedAt: -1 } },
  ],
  transcript: [{ name: 'transcript_by_run', key: { runId: 1, start: 1 }, unique: true }],
  requirements: [
    { name: 'requirements_by_run', key: { runId: 1, position: 1 }, unique: true },
    // What awaits a decision, newest first, of every kind or of one (the approval queue).
    { name: 'requirements_pending', key: { status: 1, kind: 1, createdAt: -1 } },
  ],
  resolutions: [{ name: 'resolutions_by_run', key: { runId: 1 } }],
  events: [{ name: 'events_by_run', key: { runId: 1, seq: 1 }, unique: true }],
  claims: [],
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
