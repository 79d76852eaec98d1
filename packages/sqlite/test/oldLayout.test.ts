import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Resolutions } from '@countersign/core'
import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { summaryOf, mailer, resumedMailer } from './fixtures/mailer.js'
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
  const { agent, sent } = mailer(store)
  cleanups.push(() => void agent.dispose())
  const paused = await agent.getRun(runId)
  expect(paused.status).toBe('paused')
  expect(paused.activeRequirements.map((requirement) => requirement.toolCall.name)).toStrictEqual([
    'send_email',
  ])

  const done = await agent.continueRun({
    runId,
    resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
  })

  expect(summaryOf(done)).toStrictEqual(resumedMailer)
  expect(sent).toStrictEqual([{ to: 'grace@example.com', idempotencyKey: `${runId}:call_2_1` }])
  expect(done.requirements.map((requirement) => requirement.isResolved)).toStrictEqual([true, true])
  const db = new Database(file.path, { readonly: true })
  cleanups.push(() => db.close())
  expect(db.pragma('user_version', { simple: true })).toBe(SqliteStore.schemaVersion)
  // Numbering goes on from the old events: the 18 of version 1, then the resumed stretch's.
  const seqs = db.prepare('SELECT seq FROM events WHERE run_id = ? ORDER BY seq').pluck().all(runId)
  expect(seqs).toStrictEqual(Array.from({ length: seqs.length }, (_, index) => index + 1))
  expect(seqs.length).toBeGreaterThan(18)
})
