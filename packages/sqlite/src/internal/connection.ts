import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'

/**
 * Opens (creating if needed) the database file with settings under which a decision, once
 * reported as stored, survives a crash (with `synchronous: 'full'`, a power cut too), and brings
 * its schema up to date.
 */
export const openDatabase = (
  path: string,
  busyTimeoutMs: number,
  synchronous: 'full' | 'normal',
): Database.Database => {
  // Pragmas take no bound parameters: only a plain integer may be spliced into one.
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0)
    throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`)
  if (synchronous !== 'full' && synchronous !== 'normal')
    throw new RangeError(`synchronous must be 'full' or 'normal', got ${String(synchronous)}`)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  try {
    // First, so that the pragmas below wait for, rather than fail on, another process's lock.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    // WAL: readers do not block the writer, and a commit is one append to the log.
    db.pragma('journal_mode = WAL')
    // FULL syncs the log at every commit: a decision reported as recorded survives a power cut.
    // NORMAL (asked for) syncs at checkpoints only: it survives the process dying, not the machine.
    db.pragma(synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}
