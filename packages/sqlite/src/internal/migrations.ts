import type Database from 'better-sqlite3'

/**
 * The database layout, one entry per schema version: entry n moves a database from version n to
 * n + 1. The version lives in `PRAGMA user_version`. Append new entries; never edit a shipped one.
 *
 * Every table keeps the Schema-encoded JSON of its record in `doc`; the other columns are copies
 * of fields the queries filter or sort on. Tables are STRICT so that a wrong type is an error,
 * not a silent conversion. There are no foreign keys: a run's transcript, requirements and events
 * may be written before the run record that commits them.
 */
const migrations: ReadonlyArray<string> = [
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
      for (const migration of migrations.slice(found)) db.exec(migration)
      // A pragma takes no bound parameters; the value is our own integer.
      if (found < schemaVersion) db.pragma(`user_version = ${schemaVersion}`)
    })
    .immediate()
