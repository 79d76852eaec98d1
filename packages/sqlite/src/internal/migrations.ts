import { Approval, RequirementRecord, RunRecord, StoredText } from '@countersign/core'
import type Database from 'better-sqlite3'
import { Either } from 'effect'

/** A schema step: SQL, or a function for a step that also rewrites rows through the records' Schemas. */
type Migration = string | ((db: Database.Database) => void)

/**
 * The database layout, one entry per schema version: entry n moves a database from version n to
 * n + 1. The version lives in `PRAGMA user_version`. Append new entries; never edit a shipped one.
 *
 * Every table keeps the Schema-encoded JSON of its record in `doc`; the other columns are copies
 * of fields the queries filter or sort on. Tables are STRICT so that a wrong type is an error,
 * not a silent conversion. There are no foreign keys: a run's transcript, requirements and events
 * may be written before the run record that commits them.
 */
const migrations: ReadonlyArray<Migration> = [
  `
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    user_id TEXT,
    status TEXT NOT NULL,
    updated_at REAL NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX runs_by_user ON runs (user_id, updated_at DESC);
  CREATE INDEX runs_by_status ON runs (status, updated_at DESC);

  CREATE TABLE transcript (
    run_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
  ) STRICT, WITHOUT ROWID;

  -- position: insertion order within a run (ids are random, timestamps shared by a batch).
  CREATE TABLE requirements (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX requirements_by_run ON requirements (run_id, position);
  -- What awaits a decision, newest first: the approval queue's query.
  CREATE INDEX requirements_by_status ON requirements (status, kind, created_at DESC);

  CREATE TABLE events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE claims (
    run_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
  ) STRICT, WITHOUT ROWID;
  `,
  // 2: a run is its journal. Events and messages are written together, in one transaction, and
  // a writer claims a run by the sequence number of its first event, so claims go; what a writer
  // of version 1 left past its last commit (messages, requirements of a pause it never
  // committed) is dropped: every message and requirement stored now belongs to the run.
  `
  DROP TABLE claims;
  DELETE FROM transcript WHERE position >= coalesce(
    (SELECT json_extract(runs.doc, '$.transcriptLength') FROM runs WHERE runs.run_id = transcript.run_id), 0);
  DELETE FROM requirements WHERE status = 'pending' AND id NOT IN (
    SELECT pending.value FROM runs, json_each(runs.doc, '$.pendingRequirementIds') AS pending
    WHERE runs.run_id = requirements.run_id);
  `,
  // 3: approvals, grants and deadlines, for the approval queue, grants given ahead of a call and
  // the sweeper of lapsed requirements. A requirement's deadline is copied into a column (from
  // the documents that have one) so that the sweeper's query is an index range; approvals and
  // grants get tables of their own, their filterable fields in columns beside the document. An
  // approval's run status is not a column: reads take it from the run's row, so it is never stale.
  // Requirements of kind `approval` stored before this version become approvals here.
  (db) => {
    db.exec(`
    ALTER TABLE requirements ADD COLUMN expires_at REAL;
    UPDATE requirements SET expires_at = json_extract(doc, '$.expiresAt')
      WHERE (CASE WHEN json_valid(doc) THEN json_type(doc, '$.expiresAt') END) IN ('integer', 'real');
    -- What the sweeper closes: pending requirements by deadline (only those that have one).
    CREATE INDEX requirements_by_deadline ON requirements (status, expires_at) WHERE expires_at IS NOT NULL;

    CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      type TEXT NOT NULL,
      status TEXT NOT NULL,
      source_id TEXT NOT NULL,
      user_id TEXT,
      session_id TEXT,
      tool_name TEXT NOT NULL,
      grant_id TEXT,
      created_at REAL NOT NULL,
      doc TEXT NOT NULL
    ) STRICT;
    -- The approval queue's query: what awaits a decision (or was decided), newest first.
    CREATE INDEX approvals_by_status ON approvals (status, created_at DESC, id);
    -- Every approval newest first: the audit log, and the order of filters with no index of their own.
    CREATE INDEX approvals_by_time ON approvals (created_at DESC, id);
    CREATE INDEX approvals_by_run ON approvals (run_id, created_at DESC, id);
    CREATE INDEX approvals_by_session ON approvals (session_id, created_at DESC, id);
    CREATE INDEX approvals_by_grant ON approvals (grant_id, created_at DESC, id) WHERE grant_id IS NOT NULL;

    CREATE TABLE grants (
      id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      source_id TEXT NOT NULL,
      tool_name TEXT NOT NULL,
      status TEXT NOT NULL,
      granted_at REAL NOT NULL,
      doc TEXT NOT NULL
    ) STRICT;
    -- A session's grants (where a call's cover is looked up), and grants by status, newest first.
    CREATE INDEX grants_by_session ON grants (session_id, granted_at DESC, id);
    CREATE INDEX grants_by_status ON grants (status, granted_at DESC, id);
    `)
    // The approval as this version derives it from its requirement and run (a later change to the
    // approval document migrates these rows like any other). A row that does not decode is left
    // to fail the reads that touch it, as it would have: opening the file must not fail on it.
    const requirement = StoredText.codec(RequirementRecord)
    const run = StoredText.codec(RunRecord)
    const approval = StoredText.codec(Approval.ApprovalRecord)
    const insert = db.prepare(
      `INSERT INTO approvals
         (id, run_id, type, status, source_id, user_id, session_id, tool_name, grant_id, created_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const rows = db
      .prepare<[string], { readonly doc: unknown; readonly runDoc: unknown }>(
        `SELECT requirements.doc, runs.doc AS runDoc FROM requirements JOIN runs USING (run_id)
         WHERE requirements.kind = ? ORDER BY requirements.rowid`,
      )
      .all(Approval.kind)
    for (const row of rows) {
      const derived = Either.all([requirement.decode(row.doc), run.decode(row.runDoc)]).pipe(
        Either.flatMap(([stored, of]) => Either.try(() => Approval.fromRequirement(stored, of))),
        Either.flatMap((record) => Either.map(approval.encode(record), (doc) => ({ record, doc }))),
      )
      if (Either.isLeft(derived)) continue
      const { record, doc } = derived.right
      insert.run(
        record.id,
        record.runId,
        record.type,
        record.status,
        record.source.id,
        record.userId ?? null,
        record.sessionId ?? null,
        record.toolName,
        record.grantId ?? null,
        record.createdAt,
        doc,
      )
    }
  },
  // 4: listing a user's runs. A run's creation time and parent (set on a member's run: only root
  // runs are listed) are copied into columns from the documents that have them, and indexed for
  // the listing's orders: a user's root runs newest first, and every root run newest first.
  `
  ALTER TABLE runs ADD COLUMN created_at REAL;
  ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
  UPDATE runs SET created_at = json_extract(doc, '$.createdAt')
    WHERE (CASE WHEN json_valid(doc) THEN json_type(doc, '$.createdAt') END) IN ('integer', 'real');
  UPDATE runs SET parent_run_id = json_extract(doc, '$.parentRunId')
    WHERE (CASE WHEN json_valid(doc) THEN json_type(doc, '$.parentRunId') END) = 'text';
  CREATE INDEX runs_roots_by_user ON runs (user_id, created_at DESC, run_id) WHERE parent_run_id IS NULL;
  CREATE INDEX runs_roots_by_time ON runs (created_at DESC, run_id) WHERE parent_run_id IS NULL;
  `,
  // 5: the approval queue's journal, which its change feed follows. Each write of an approval
  // appends its change in the write's transaction, numbered by AUTOINCREMENT: numbers rise in
  // commit order across every process sharing the file, and are never reused. A change is flat,
  // so its fields are its columns (there is no document). Approvals stored before this version
  // have no change: the feed starts from the journal's end, past them.
  `
  CREATE TABLE approval_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    approval_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at REAL NOT NULL
  ) STRICT;
  `,
  // 6: writers' leases, and listing interrupted runs. A writer leases its run from its claim (the
  // first event it stores) and renews the lease while it works; a stop removes the run's leases.
  // A run's last stop's sequence number is copied into a column (from the documents that have it)
  // so that a run worked on since (an event past it) and its latest claim's lease are found by key.
  `
  CREATE TABLE leases (
    run_id TEXT NOT NULL,
    claim_seq INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (run_id, claim_seq)
  ) STRICT, WITHOUT ROWID;
  ALTER TABLE runs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
  UPDATE runs SET last_seq = json_extract(doc, '$.lastSeq')
    WHERE (CASE WHEN json_valid(doc) THEN json_type(doc, '$.lastSeq') END) = 'integer';
  `,
  // 7: the outbox of notifications, and the reminders and escalations of requirements (one row per
  // requirement and step: its primary key makes each step once). A delivery is written in the transaction of the commit or
  // decision it tells of; dispatchers claim due ones (a range of the `deliveries_due` index) by
  // setting a lease, in an immediate transaction, so each claim has one winner. The rowids keep
  // the order written.
  `
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    run_id TEXT NOT NULL,
    requirement_id TEXT,
    status TEXT NOT NULL,
    next_attempt_at REAL NOT NULL,
    lease_until REAL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_by_run ON deliveries (run_id);
  CREATE INDEX deliveries_by_requirement ON deliveries (requirement_id) WHERE requirement_id IS NOT NULL;
  CREATE TABLE follow_ups (
    requirement_id TEXT NOT NULL,
    step TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (requirement_id, step)
  ) STRICT;
  `,
  // 8: the sweeper's lease, one row: which process sweeps, among those sharing the file. And a
  // user's approvals, newest first: counting them scanned the table.
  `
  CREATE TABLE sweeper_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX approvals_by_user ON approvals (user_id, created_at DESC, id);
  `,
  // 9: run lists that stay index searches at any size. A list of a status, an agent, or a user's
  // runs of a status sorted every match (or scanned every run) to find its page, and a page's
  // total read every matching row of the table: `parent_run_id` (the condition of every run list)
  // was in no index, so no index covered the count. Each list has an index in its order now,
  // ending in `parent_run_id`, so that its page is the index's first entries and its total is
  // counted in the index alone. The indexes by `updated_at` served no query since version 4.
  `
  DROP INDEX runs_by_user;
  DROP INDEX runs_by_status;
  DROP INDEX runs_roots_by_user;
  DROP INDEX runs_roots_by_time;
  CREATE INDEX runs_roots_by_time ON runs (created_at DESC, run_id, parent_run_id) WHERE parent_run_id IS NULL;
  CREATE INDEX runs_roots_by_user ON runs (user_id, created_at DESC, run_id, parent_run_id)
    WHERE parent_run_id IS NULL;
  CREATE INDEX runs_roots_by_status ON runs (status, created_at DESC, run_id, parent_run_id)
    WHERE parent_run_id IS NULL;
  CREATE INDEX runs_roots_by_agent ON runs (agent_id, created_at DESC, run_id, parent_run_id)
    WHERE parent_run_id IS NULL;
  CREATE INDEX runs_roots_by_user_status ON runs (user_id, status, created_at DESC, run_id, parent_run_id)
    WHERE parent_run_id IS NULL;
  CREATE INDEX approvals_by_user_status ON approvals (user_id, status, created_at DESC, id);
  `,
]

/** The schema version this code writes. */
export const schemaVersion = migrations.length

/** A database whose schema is newer than this code knows: opening it must fail, not guess. */
export class NewerSchema extends Error {
  constructor(readonly found: number) {
    super(
      `the database has schema version ${found}, newer than this version of @countersign/sqlite ` +
        `knows (${schemaVersion}); upgrade @countersign/sqlite to open it`,
    )
  }
}

/**
 * Brings the database to `schemaVersion`. The version is read inside a write transaction, so two
 * processes opening a new file at once do not both create the tables.
 */
export const migrate = (db: Database.Database): void =>
  db
    .transaction(() => {
      const found = db.pragma('user_version', { simple: true }) as number
      if (found > schemaVersion) throw new NewerSchema(found)
      for (const migration of migrations.slice(found))
        if (typeof migration === 'string') db.exec(migration)
        else migration(db)
      // A pragma takes no bound parameters; the value is our own integer.
      if (found < schemaVersion) db.pragma(`user_version = ${schemaVersion}`)
    })
    .immediate()
