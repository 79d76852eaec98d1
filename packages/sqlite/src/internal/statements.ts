import type Database from 'better-sqlite3'

export interface RunRow {
  readonly runId: string
  readonly agentId: string
  readonly userId: string | null
  readonly status: string
  readonly updatedAt: number
  readonly doc: string
}

export interface RequirementRow {
  readonly id: string
  readonly runId: string
  readonly kind: string
  readonly status: string
  readonly createdAt: number
  readonly doc: string
}

interface Doc {
  readonly doc: unknown
}

/** Every statement the store runs: positional (or named, in an object) parameters, and the row type. */
export interface Statements {
  readonly insertRun: Database.Statement<[RunRow]>
  readonly saveRun: Database.Statement<[RunRow]>
  readonly getRun: Database.Statement<[string], Doc>
  readonly putMessage: Database.Statement<[string, number, string]>
  readonly readTranscript: Database.Statement<[string], Doc & { readonly position: number }>
  readonly putRequirement: Database.Statement<[RequirementRow]>
  readonly getRequirement: Database.Statement<[string, string], Doc>
  readonly listRequirements: Database.Statement<[string], Doc & { readonly id: string }>
  readonly resolveRequirement: Database.Statement<[{ id: string; runId: string; resolution: string }], Doc>
  readonly requirementStatus: Database.Statement<[string, string], { readonly status: string }>
  readonly insertEvent: Database.Statement<[string, number, string]>
  readonly readEvents: Database.Statement<[string, number], Doc & { readonly seq: number }>
}

/**
 * Every statement the store runs, prepared once per connection. The writes that decide a race
 * (a run id, an event's sequence number, a requirement's decision) are each one statement whose
 * outcome the database decides: a primary-key insert or a conditional update.
 */
export const prepare = (db: Database.Database): Statements => ({
  insertRun: db.prepare(
    `INSERT INTO runs (run_id, agent_id, user_id, status, updated_at, doc)
     VALUES (@runId, @agentId, @userId, @status, @updatedAt, @doc)
     ON CONFLICT (run_id) DO NOTHING`,
  ),
  saveRun: db.prepare(
    `INSERT INTO runs (run_id, agent_id, user_id, status, updated_at, doc)
     VALUES (@runId, @agentId, @userId, @status, @updatedAt, @doc)
     ON CONFLICT (run_id) DO UPDATE SET agent_id = excluded.agent_id, user_id = excluded.user_id,
       status = excluded.status, updated_at = excluded.updated_at, doc = excluded.doc`,
  ),
  getRun: db.prepare('SELECT doc FROM runs WHERE run_id = ?'),

  // Written in the transaction of its batch, whose first event is the writer's claim: a taken
  // position is a broken writer, and fails the batch.
  putMessage: db.prepare('INSERT INTO transcript (run_id, position, doc) VALUES (?, ?, ?)'),
  readTranscript: db.prepare('SELECT position, doc FROM transcript WHERE run_id = ? ORDER BY position'),

  // A new requirement goes after its run's last one; a taken id changes nothing (and fails the commit).
  putRequirement: db.prepare(
    `INSERT INTO requirements (id, run_id, position, kind, status, created_at, doc)
     VALUES (@id, @runId,
       (SELECT coalesce(max(position), 0) + 1 FROM requirements WHERE run_id = @runId),
       @kind, @status, @createdAt, @doc)
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

  insertEvent: db.prepare(
    'INSERT INTO events (run_id, seq, doc) VALUES (?, ?, ?) ON CONFLICT (run_id, seq) DO NOTHING',
  ),
  readEvents: db.prepare('SELECT seq, doc FROM events WHERE run_id = ? AND seq > ? ORDER BY seq'),
})
