import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { MongoClient, MongoServerError } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureLauncher, startMongo, type MongoServer } from '../src/index.js'
import { accepts } from './accepts.js'

// Building the launcher on a fresh machine downloads FerretDB's modules and compiles them (about a minute).
const buildTimeout = 600_000

describe('ensureLauncher', () => {
  it(
    'builds once and reuses the cached binary',
    async () => {
      const first = await ensureLauncher()
      const before = await stat(first)
      const second = await ensureLauncher()
      const after = await stat(second)
      expect(second).toBe(first)
      expect(after.mtimeMs).toBe(before.mtimeMs)
      expect(after.ino).toBe(before.ino)
    },
    buildTimeout,
  )
})

describe('startMongo', () => {
  let server: MongoServer
  let client: MongoClient
  // A fresh database per run, so the tests also pass against a long-lived MONGODB_URL server.
  const dbName = `harness-${randomUUID()}`
  const db = () => client.db(dbName)

  beforeAll(async () => {
    server = await startMongo()
    client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 })
    await client.connect()
  }, buildTimeout)

  afterAll(async () => {
    if (process.env.MONGODB_URL) await db().dropDatabase()
    await client?.close()
    await server?.stop()
  })

  it('answers ping', async () => {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 })
  })

  it('round-trips documents', async () => {
    const doc = {
      _id: 'run-1',
      status: 'paused',
      seq: 42,
      ratio: 0.5,
      createdAt: new Date('2025-01-02T03:04:05.678Z'),
      nested: { requirements: [{ id: 'r1', kind: 'confirmation', resolved: false }], note: null },
      tags: ['a', 'b'],
    }
    const runs = db().collection<typeof doc>('roundtrip')
    await runs.insertOne(doc)
    expect(await runs.findOne({ _id: 'run-1' })).toEqual(doc)
    expect(await runs.find({ status: 'paused' }).toArray()).toEqual([doc])
  })

  it('rejects a second insert under a unique index with duplicate-key code 11000', async () => {
    const approvals = db().collection<{ requirementId: string; decision: string }>('approvals')
    await approvals.createIndex({ requirementId: 1 }, { unique: true })
    await approvals.insertOne({ requirementId: 'req-1', decision: 'approve' })
    const error: unknown = await approvals.insertOne({ requirementId: 'req-1', decision: 'reject' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MongoServerError)
    expect((error as MongoServerError).code).toBe(11000)
    expect(await approvals.countDocuments({ requirementId: 'req-1' })).toBe(1)
    expect(await approvals.findOne({ requirementId: 'req-1' })).toMatchObject({ decision: 'approve' })
  })

  it('lets exactly one of 30 concurrent inserts of the same _id win', async () => {
    const claims = db().collection<{ _id: string; by: number }>('claims')
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, by) => claims.insertOne({ _id: 'claim-1', by })),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(29)
    for (const r of lost) expect((r.reason as MongoServerError).code).toBe(11000)
    expect(await claims.countDocuments({ _id: 'claim-1' })).toBe(1)
  })

  it('lets exactly one of 30 concurrent inserts of the same unique-index key win, over separate connections', async () => {
    const clients = await Promise.all(
      Array.from({ length: 5 }, () =>
        new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 }).connect(),
      ),
    )
    try {
      const name = 'resolutions'
      await db().collection(name).createIndex({ requirementId: 1 }, { unique: true })
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, by) =>
          clients[by % clients.length]!.db(dbName).collection(name).insertOne({ requirementId: 'req-9', by }),
        ),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as MongoServerError).code).toBe(11000)
      }
      expect(await db().collection(name).countDocuments({ requirementId: 'req-9' })).toBe(1)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
  })

  it('stops: the port no longer accepts connections', async () => {
    if (process.env.MONGODB_URL) return // an external server is not ours to stop
    const { hostname, port } = new URL(server.url)
    expect(await accepts(hostname, Number(port))).toBe(true)
    await client.close()
    await server.stop()
    await server.stop() // idempotent
    expect(await accepts(hostname, Number(port))).toBe(false)
  })
})
