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
 */
export const schemaVersion = 2

export const collectionNames = {
  runs: 'runs',
  events: 'events',
  resolutions: 'resolutions',
  transcript: 'transcript',
  requirements: 'requirements',
} as const

export type CollectionName = keyof typeof collectionNames

/** A pending requirement as the queries see it (its record is in the run's `requirements` text). */
export interface RaisedRequirement {
  id: string
  kind: string
  createdAt: number
}

/** The run's record as of its last stop; `requirements` are those of the last stop that raised any, carried by every later stop. */
export interface RunDocument {
  _id: string
  schemaVersion: number
  agentId: string
  userId?: string
  status: string
  updatedAt: number
  doc: string
  requirements?: string
  raised?: Array<RaisedRequirement>
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
}

/**
 * The decision on a requirement (`_id`: the requirement's id): inserted once, the truth of every
 * read. From version 2 it holds the decided requirement too, and where it was raised (the stop's
 * epoch and its place in the stop's list), for listing in order.
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
}

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
}

export const collectionsOf = (db: Db): Collections => ({
  runs: db.collection(collectionNames.runs),
  events: db.collection(collectionNames.events),
  resolutions: db.collection(collectionNames.resolutions),
  transcript: db.collection(collectionNames.transcript),
  requirements: db.collection(collectionNames.requirements),
})

/** The `_id` of a run's numbered document: `runId:n` (unambiguous, as `n` is an integer). */
export const numberedId = (runId: string, n: number) => `${runId}:${n}`

/**
 * One index per query the API makes. Uniqueness on `_id` is what decides races (a run id, an
 * event's sequence number, a decision); the unique indexes here are a second guard and serve the
 * queries. Version 1's collections keep the indexes they were made with.
 */
export const indexes: {
  readonly [Name in 'runs' | 'events' | 'resolutions']: ReadonlyArray<IndexDescription>
} = {
  runs: [
    // A user's runs, optionally of one status, most recently active first.
    { name: 'runs_by_user_status', key: { userId: 1, status: 1, updatedAt: -1 } },
    // Runs of a status (e.g. every paused run), most recently active first.
    { name: 'runs_by_status', key: { status: 1, updatedAt: -1 } },
    // What awaits a decision, newest first, of every kind or of one (the approval queue).
    { name: 'runs_raised', key: { status: 1, 'raised.kind': 1, 'raised.createdAt': -1 } },
  ],
  events: [
    { name: 'events_by_run', key: { runId: 1, seq: 1 }, unique: true },
    // The documents that carry a run's transcript.
    { name: 'events_transcript', key: { runId: 1, transcriptStart: 1 } },
  ],
  resolutions: [{ name: 'resolutions_by_run', key: { runId: 1 } }],
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
