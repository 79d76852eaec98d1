import { type Approval, countLimit, type Grant, type RunFilter, type RunQuery } from '@countersign/core'
import type Database from 'better-sqlite3'
import { manyRows } from './manyRows.js'

type ApprovalFilter = Approval.ApprovalFilter
type ApprovalQuery = Approval.ApprovalQuery
type GrantFilter = Grant.GrantFilter

export interface RunRow {
  readonly runId: string
  readonly agentId: string
  readonly userId: string | null
  readonly status: string
  readonly updatedAt: number
  readonly createdAt: number
  readonly parentRunId: string | null
  readonly lastSeq: number
  readonly doc: string
}

export interface RequirementRow {
  readonly id: string
  readonly runId: string
  readonly kind: string
  readonly status: string
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly doc: string
}

export interface ApprovalRow {
  readonly id: string
  readonly runId: string
  readonly type: string
  readonly status: string
  readonly sourceId: string
  readonly userId: string | null
  readonly sessionId: string | null
  readonly toolName: string
  readonly grantId: string | null
  readonly createdAt: number
  readonly doc: string
}

export interface GrantRow {
  readonly id: string
  readonly sessionId: string
  readonly sourceId: string
  readonly toolName: string
  readonly status: string
  readonly grantedAt: number
  readonly doc: string
}

interface Doc {
  readonly doc: unknown
}

export interface ChangeRow {
  readonly seq: number
  readonly approvalId: string
  readonly status: string
  readonly at: number
}

/*
 * Every approval read carries its run's current status: its document as read has `runStatus`
 * set from the run's row (the stored one stays only for an approval whose run is not stored).
 */
const approvalsWithRuns = 'FROM approvals AS a LEFT JOIN runs AS r ON r.run_id = a.run_id'
const approvalDoc = `CASE WHEN r.status IS NOT NULL AND json_valid(a.doc)
  THEN json_set(a.doc, '$.runStatus', r.status) ELSE a.doc END`

/** Every statement the store runs: positional (or named, in an object) parameters, and the row type. */
export interface Statements {
  readonly insertRun: Database.Statement<[RunRow]>
  readonly saveRun: Database.Statement<[RunRow]>
  readonly getRun: Database.Statement<[string], Doc>
  /** `runId, position, doc` of each message, one after the other. */
  readonly insertMessages: (values: ReadonlyArray<unknown>) => void
  readonly readTranscript: Database.Statement<[string], Doc & { readonly position: number }>
  readonly putRequirement: Database.Statement<[RequirementRow]>
  readonly getRequirement: Database.Statement<[string, string], Doc>
  readonly listRequirements: Database.Statement<[string], Doc & { readonly id: string }>
  readonly resolveRequirement: Database.Statement<[{ id: string; runId: string; resolution: string }], Doc>
  readonly requirementStatus: Database.Statement<[string, string], { readonly status: string }>
  readonly listExpired: Database.Statement<[number, number], Doc & { readonly id: string }>
  readonly putApproval: Database.Statement<[ApprovalRow]>
  readonly recordApproval: Database.Statement<[ApprovalRow]>
  readonly getApproval: Database.Statement<[string], Doc>
  readonly appendChange: Database.Statement<[{ approvalId: string; status: string; at: number }]>
  readonly readChanges: Database.Statement<[number, number], ChangeRow>
  readonly lastChangeSeq: Database.Statement<[], { readonly seq: number }>
  readonly putGrant: Database.Statement<[GrantRow]>
  readonly getGrant: Database.Statement<[string], Doc>
  readonly updateGrant: Database.Statement<[{ id: string; status: string; doc: string }]>
  /** `runId, seq, doc` of each event, one after the other; fails whole on a taken sequence number. */
  readonly insertEvents: (values: ReadonlyArray<unknown>) => void
  readonly insertEvent: Database.Statement<[string, number, string]>
  readonly readEvents: Database.Statement<[string, number], Doc & { readonly seq: number }>
  readonly putLease: Database.Statement<[LeaseRow]>
  readonly endLeases: Database.Statement<[string]>
  readonly latestLease: Database.Statement<[string], LeaseRow>
  readonly holdSweeperLease: Database.Statement<[{ holder: string; expiresAt: number; now: number }]>
  readonly eventsMark: Database.Statement<[], { readonly version: number; readonly changes: number }>
}

export interface LeaseRow {
  readonly runId: string
  readonly claimSeq: number
  readonly expiresAt: number
}

/**
 * Every statement the store runs, prepared once per connection. The writes that decide a race
 * (a run id, an event's sequence number, a requirement's decision) are each one statement whose
 * outcome the database decides: a primary-key insert or a conditional update. A grant's use or
 * revocation is decided by the write lock of the immediate transaction that reads and writes it.
 */
export const prepare = (db: Database.Database): Statements => ({
  insertRun: db.prepare(
    `INSERT INTO runs (run_id, agent_id, user_id, status, updated_at, created_at, parent_run_id, last_seq, doc)
     VALUES (@runId, @agentId, @userId, @status, @updatedAt, @createdAt, @parentRunId, @lastSeq, @doc)
     ON CONFLICT (run_id) DO NOTHING`,
  ),
  // A stop changes what a run's stops change: its agent, user, parent and creation time are its
  // creation's. Only the columns set are rewritten in the indexes, so the indexes of the listings
  // by creation are left alone (each one fewer page for the commit to write and sync).
  saveRun: db.prepare(
    `INSERT INTO runs (run_id, agent_id, user_id, status, updated_at, created_at, parent_run_id, last_seq, doc)
     VALUES (@runId, @agentId, @userId, @status, @updatedAt, @createdAt, @parentRunId, @lastSeq, @doc)
     ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at,
       last_seq = excluded.last_seq, doc = excluded.doc`,
  ),
  getRun: db.prepare('SELECT doc FROM runs WHERE run_id = ?'),

  // Written in the transaction of its batch, whose first event is the writer's claim: a taken
  // position is a broken writer, and fails the batch.
  insertMessages: manyRows(db, 'INSERT INTO transcript (run_id, position, doc)', 3),
  readTranscript: db.prepare('SELECT position, doc FROM transcript WHERE run_id = ? ORDER BY position'),

  // A new requirement goes after its run's last one; a taken id changes nothing (and fails the commit).
  putRequirement: db.prepare(
    `INSERT INTO requirements (id, run_id, position, kind, status, created_at, expires_at, doc)
     VALUES (@id, @runId,
       (SELECT coalesce(max(position), 0) + 1 FROM requirements WHERE run_id = @runId),
       @kind, @status, @createdAt, @expiresAt, @doc)
     ON CONFLICT (id) DO NOTHING`,
  ),
  getRequirement: db.prepare('SELECT doc FROM requirements WHERE id = ? AND run_id = ?'),
  listRequirements: db.prepare('SELECT id, doc FROM requirements WHERE run_id = ? ORDER BY position'),
  // The single conditional update that makes a decision: of concurrent callers only one matches
  // `status = 'pending'`. It edits the stored document in place, so nothing read earlier is written back.
  resolveRequirement: db.prepare(
    `UPDATE requirements
     SET status = 'resolved',
       doc = json_set(doc, '$.status', 'resolved', '$.resolution', json(@resolution))
     WHERE id = @id AND run_id = @runId AND status = 'pending'
     RETURNING doc`,
  ),
  requirementStatus: db.prepare('SELECT status FROM requirements WHERE id = ? AND run_id = ?'),
  // What the sweeper closes: a range of the deadline index, ties in the order stored.
  listExpired: db.prepare(
    `SELECT requirements.id, requirements.doc FROM requirements JOIN runs USING (run_id)
     WHERE requirements.status = 'pending' AND requirements.expires_at <= ? AND runs.status = 'paused'
     ORDER BY requirements.expires_at, requirements.rowid
     LIMIT ?`,
  ),

  // An approval raised by a commit, or updated by its requirement's decision, replaces what its id held.
  putApproval: db.prepare(
    `INSERT INTO approvals
       (id, run_id, type, status, source_id, user_id, session_id, tool_name, grant_id, created_at, doc)
     VALUES (@id, @runId, @type, @status, @sourceId, @userId, @sessionId, @toolName, @grantId, @createdAt, @doc)
     ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, type = excluded.type,
       status = excluded.status, source_id = excluded.source_id, user_id = excluded.user_id,
       session_id = excluded.session_id, tool_name = excluded.tool_name, grant_id = excluded.grant_id,
       created_at = excluded.created_at, doc = excluded.doc`,
  ),
  // An approval decided when written: a second write of its id changes nothing.
  recordApproval: db.prepare(
    `INSERT INTO approvals
       (id, run_id, type, status, source_id, user_id, session_id, tool_name, grant_id, created_at, doc)
     VALUES (@id, @runId, @type, @status, @sourceId, @userId, @sessionId, @toolName, @grantId, @createdAt, @doc)
     ON CONFLICT (id) DO NOTHING`,
  ),
  getApproval: db.prepare(`SELECT ${approvalDoc} AS doc ${approvalsWithRuns} WHERE a.id = ?`),

  // Run in the transaction of the approval's write, after it.
  appendChange: db.prepare(
    'INSERT INTO approval_changes (approval_id, status, at) VALUES (@approvalId, @status, @at)',
  ),
  readChanges: db.prepare(
    `SELECT seq, approval_id AS approvalId, status, at FROM approval_changes
     WHERE seq > ? ORDER BY seq LIMIT ?`,
  ),
  lastChangeSeq: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM approval_changes'),

  putGrant: db.prepare(
    `INSERT INTO grants (id, session_id, source_id, tool_name, status, granted_at, doc)
     VALUES (@id, @sessionId, @sourceId, @toolName, @status, @grantedAt, @doc)
     ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, source_id = excluded.source_id,
       tool_name = excluded.tool_name, status = excluded.status, granted_at = excluded.granted_at,
       doc = excluded.doc`,
  ),
  getGrant: db.prepare('SELECT doc FROM grants WHERE id = ?'),
  // Run in the immediate transaction that read the grant's document as active: the write lock
  // makes the one winner; the condition only checks the status column agrees.
  updateGrant: db.prepare(
    `UPDATE grants SET status = @status, doc = @doc WHERE id = @id AND status = 'active'`,
  ),

  // A batch's events go in at once, and a taken sequence number fails them all; one at a time,
  // a taken one changes nothing: how the one taken is found.
  insertEvents: manyRows(db, 'INSERT INTO events (run_id, seq, doc)', 3),
  insertEvent: db.prepare(
    'INSERT INTO events (run_id, seq, doc) VALUES (?, ?, ?) ON CONFLICT (run_id, seq) DO NOTHING',
  ),
  readEvents: db.prepare('SELECT seq, doc FROM events WHERE run_id = ? AND seq > ? ORDER BY seq'),

  // Each claim's lease is written by its own writer only.
  putLease: db.prepare(
    `INSERT INTO leases (run_id, claim_seq, expires_at) VALUES (@runId, @claimSeq, @expiresAt)
     ON CONFLICT (run_id, claim_seq) DO UPDATE SET expires_at = excluded.expires_at`,
  ),
  endLeases: db.prepare('DELETE FROM leases WHERE run_id = ?'),
  latestLease: db.prepare(
    `SELECT run_id AS runId, claim_seq AS claimSeq, expires_at AS expiresAt FROM leases
     WHERE run_id = ? ORDER BY claim_seq DESC LIMIT 1`,
  ),
  // One statement, so taking the lease over and renewing it are atomic: it changes the row only
  // when the lease is its holder's own or has lapsed.
  holdSweeperLease: db.prepare(
    `INSERT INTO sweeper_lease (name, holder, expires_at) VALUES ('sweeper', @holder, @expiresAt)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE sweeper_lease.holder = excluded.holder OR sweeper_lease.expires_at <= @now`,
  ),
  // What other connections committed (`data_version` changes with each of their commits) and
  // what this one changed: two counters SQLite keeps, read without touching a table.
  eventsMark: db.prepare(
    'SELECT (SELECT data_version FROM pragma_data_version) AS version, total_changes() AS changes',
  ),
})

/**
 * A query with one condition per filter field given (all of them ANDed), prepared once for each
 * set of fields it is called with. The fields' values are bound by name.
 */
export const filtered = <Filter extends object>(
  db: Database.Database,
  conditions: { readonly [K in keyof Filter]-?: string },
  sql: (where: string) => string,
): ((
  filter: Filter,
  extra?: Readonly<Record<string, unknown>>,
) => { readonly statement: Database.Statement; readonly parameters: Record<string, unknown> }) => {
  const prepared = new Map<string, Database.Statement>()
  return (filter: Filter, extra: Readonly<Record<string, unknown>> = {}) => {
    const given = (Object.keys(conditions) as Array<keyof Filter & string>).filter(
      (field) => filter[field] !== undefined,
    )
    const id = given.join()
    let statement = prepared.get(id)
    if (statement === undefined) {
      const where = given.length === 0 ? '' : `WHERE ${given.map((field) => conditions[field]).join(' AND ')}`
      statement = db.prepare(sql(where))
      prepared.set(id, statement)
    }
    return {
      statement,
      parameters: { ...Object.fromEntries(given.map((field) => [field, filter[field]])), ...extra },
    }
  }
}

const approvalConditions: { readonly [K in keyof ApprovalFilter]-?: string } = {
  status: 'a.status = @status',
  type: 'a.type = @type',
  sourceId: 'a.source_id = @sourceId',
  userId: 'a.user_id = @userId',
  toolName: 'a.tool_name = @toolName',
  runId: 'a.run_id = @runId',
  sessionId: 'a.session_id = @sessionId',
  grantId: 'a.grant_id = @grantId',
  createdFrom: 'a.created_at >= @createdFrom',
  createdTo: 'a.created_at < @createdTo',
}

const runConditions: { readonly [K in keyof RunFilter]-?: string } = {
  userId: 'user_id = @userId',
  status: 'status = @status',
  agentId: 'agent_id = @agentId',
  // Worked on (never stopped, or an event past its last stop) and its latest claim's lease, if
  // that claim came after the stop, lapsed by then.
  interruptedAt: `status IN ('running', 'paused')
    AND (status = 'running' OR EXISTS (SELECT 1 FROM events AS e WHERE e.run_id = runs.run_id AND e.seq = runs.last_seq + 1))
    AND NOT EXISTS (SELECT 1 FROM (SELECT claim_seq, expires_at FROM leases AS l WHERE l.run_id = runs.run_id
      ORDER BY claim_seq DESC LIMIT 1) AS latest WHERE latest.claim_seq > runs.last_seq AND latest.expires_at > @interruptedAt)`,
  // instr() finds the text as it is, where LIKE would read % and _ in it as wildcards; lower()
  // folds A to Z, as LIKE would. Input and answer are read from the document: a search scans.
  search: `(instr(lower(run_id), lower(@search)) = 1
    OR instr(lower(agent_id), lower(@search)) > 0
    OR instr(lower(json_extract(doc, '$.input')), lower(@search)) > 0
    OR instr(lower(json_extract(doc, '$.content')), lower(@search)) > 0)`,
}

/** Root runs only: a member's run is part of its root's. */
const rootRuns = (where: string) => `${where === '' ? 'WHERE' : `${where} AND`} parent_run_id IS NULL`

const grantConditions: { readonly [K in keyof GrantFilter]-?: string } = {
  sessionId: 'session_id = @sessionId',
  sourceId: 'source_id = @sourceId',
  toolName: 'tool_name = @toolName',
  status: 'status = @status',
}

/** The listings, whose conditions depend on the filter: newest first, ties by id. */
export const prepareListings = (db: Database.Database) => {
  const page = filtered<ApprovalFilter>(
    db,
    approvalConditions,
    (where) =>
      `SELECT a.id, ${approvalDoc} AS doc ${approvalsWithRuns} ${where}
       ORDER BY a.created_at DESC, a.id LIMIT @limit OFFSET @offset`,
  )
  const count = filtered<ApprovalFilter>(
    db,
    approvalConditions,
    (where) => `SELECT count(*) AS total FROM approvals AS a ${where}`,
  )
  const runPage = filtered<RunFilter>(
    db,
    runConditions,
    (where) =>
      `SELECT run_id AS id, doc FROM runs ${rootRuns(where)}
       ORDER BY created_at DESC, run_id LIMIT @limit OFFSET @offset`,
  )
  // Counted to the page's count limit only: the subquery's LIMIT stops the walk of the index.
  const cappedApprovalCount = filtered<ApprovalFilter>(
    db,
    approvalConditions,
    (where) =>
      `SELECT count(*) AS total FROM (SELECT 1 FROM approvals AS a ${where} LIMIT @countLimit) AS matches`,
  )
  const cappedRunCount = filtered<RunFilter>(
    db,
    runConditions,
    (where) =>
      `SELECT count(*) AS total FROM (SELECT 1 FROM runs ${rootRuns(where)} LIMIT @countLimit) AS matches`,
  )
  const grants = filtered<GrantFilter>(
    db,
    grantConditions,
    (where) => `SELECT id, doc FROM grants ${where} ORDER BY granted_at DESC, id`,
  )
  return {
    approvals: (query: ApprovalQuery) => {
      const { statement, parameters } = page(query, { limit: query.limit, offset: query.offset })
      return statement.all(parameters) as Array<Doc & { readonly id: string }>
    },
    countApprovals: (filter: ApprovalFilter) => {
      const { statement, parameters } = count(filter)
      return (statement.get(parameters) as { readonly total: number }).total
    },
    /** How many approvals match, counted to `countLimit(query)` at most. */
    countApprovalsOfPage: (query: ApprovalQuery) => {
      const { statement, parameters } = cappedApprovalCount(query, { countLimit: countLimit(query) })
      return (statement.get(parameters) as { readonly total: number }).total
    },
    runs: (query: RunQuery) => {
      const { statement, parameters } = runPage(query, { limit: query.limit, offset: query.offset })
      return statement.all(parameters) as Array<Doc & { readonly id: string }>
    },
    /** How many runs match, counted to `countLimit(query)` at most. */
    countRunsOfPage: (query: RunQuery) => {
      const { statement, parameters } = cappedRunCount(query, { countLimit: countLimit(query) })
      return (statement.get(parameters) as { readonly total: number }).total
    },
    grants: (filter: GrantFilter) => {
      const { statement, parameters } = grants(filter)
      return statement.all(parameters) as Array<Doc & { readonly id: string }>
    },
  }
}
