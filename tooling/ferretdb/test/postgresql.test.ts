import { mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findPostgresqlBinaries, PostgresqlNotFound, startMongo } from '../src/index.js'
import { accepts } from './accepts.js'

// Building the launcher on a fresh machine downloads FerretDB's modules and compiles them (about a minute).
const buildTimeout = 600_000

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

/** A process's children (Linux `/proc`), e.g. the postmaster's backends. */
const childrenOf = async (pid: number) =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ').filter(Boolean).map(Number)

/** The data directory a postmaster serves: its `-D` argument. */
const dataDirOf = async (pid: number) => {
  const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
  return args[args.indexOf('-D') + 1]!
}

describe('findPostgresqlBinaries', () => {
  it('fails with PostgresqlNotFound, naming what to install, when neither PATH nor the install root has them', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'countersign-no-postgresql-'))
    onTestFinished(() => rm(empty, { recursive: true, force: true }))
    const error: unknown = await findPostgresqlBinaries({
      path: empty,
      installRoot: join(empty, 'none'),
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(PostgresqlNotFound)
    expect((error as Error).message).toContain('initdb and postgres')
    expect((error as Error).message).toContain('apt-get install postgresql')
  })

  it('finds them in the newest version under the install root that has both, when PATH has none', async () => {
    const found = await findPostgresqlBinaries()
    const root = await mkdtemp(join(tmpdir(), 'countersign-postgresql-root-'))
    onTestFinished(() => rm(root, { recursive: true, force: true }))
    for (const version of ['9', '15', '16']) await mkdir(join(root, version, 'bin'), { recursive: true })
    for (const version of ['9', '15'])
      for (const name of ['initdb', 'postgres'])
        await symlink(join(found, name), join(root, version, 'bin', name))
    await symlink(join(found, 'initdb'), join(root, '16', 'bin', 'initdb')) // no server: not a candidate
    expect(await findPostgresqlBinaries({ path: '', installRoot: root })).toBe(join(root, '15', 'bin'))
  })
})

describe.skipIf(process.env.MONGODB_URL)('startMongo over PostgreSQL', () => {
  it(
    'serves documents from a PostgreSQL of its own, and stopping ends every process and deletes the data',
    async () => {
      const server = await startMongo({ backend: 'postgresql' })
      onTestFinished(() => server.stop())
      const { ferretdb, postgresql } = server.processes()
      expect(ferretdb).toBeTypeOf('number')
      expect(postgresql).toBeTypeOf('number')
      const dataDir = await dataDirOf(postgresql!)
      expect(await exists(join(dataDir, 'PG_VERSION'))).toBe(true)

      const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 })
      const doc = {
        _id: 'run-1',
        runId: 'run-1',
        status: 'paused',
        seq: 3,
        at: new Date('2025-01-02T03:04:05Z'),
      }
      try {
        const events = client.db('harness').collection<typeof doc>('events')
        await events.insertOne(doc)
        expect(await events.find({ runId: 'run-1' }).toArray()).toStrictEqual([doc])
        // PostgreSQL's plan, its filter on the document's field: FerretDB pushed the query down to it.
        const explained = await events.find({ runId: 'run-1' }).explain()
        expect(explained['filterPushdown']).toBe(true)
        expect((explained['queryPlanner'] as { Plan: { Filter: string } }).Plan.Filter).toContain("'runId'")
      } finally {
        await client.close()
      }
      const backends = await childrenOf(postgresql!)
      expect(backends.length).toBeGreaterThan(0)

      const { hostname, port } = new URL(server.url)
      await server.stop()
      await server.stop() // idempotent
      expect(await accepts(hostname, Number(port))).toBe(false)
      expect([ferretdb!, postgresql!, ...backends].filter(alive)).toStrictEqual([])
      expect(await exists(join(dataDir, '..'))).toBe(false)
      expect(server.processes()).toStrictEqual({})
    },
    buildTimeout,
  )
})
