import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { expectMailerResumes } from './fixtures/mailer.js'
import { tempDatabase } from './tempDatabase.js'

const fixture = readFileSync(fileURLToPath(new URL('./fixtures/v1-paused-run.sql', import.meta.url)), 'utf8')
const runId = /^-- runId (\S+)/.exec(fixture)![1]!

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

it('a run paused by schema version 1 (a file it wrote) resumes on the current version and completes', async () => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  const old = new Database(file.path)
  old.exec(fixture)
  old.close()

  const store = SqliteStore.make({ path: file.path })
  cleanups.push(store.close)
  await expectMailerResumes(store, runId)

  const db = new Database(file.path, { readonly: true })
  cleanups.push(() => db.close())
  expect(db.pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion)
  // Numbering goes on from the old events: the 18 of version 1, then the resumed stretch's.
  const seqs = db.prepare('SELECT seq FROM events WHERE run_id = ? ORDER BY seq').pluck().all(runId)
  expect(seqs).toStrictEqual(Array.from({ length: seqs.length }, (_, index) => index + 1))
  expect(seqs.length).toBeGreaterThan(18)
})
