import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore, type RunStore } from '@countersign/core'
import { startMongo } from '@countersign/ferretdb-harness'
import { MongoStore } from '@countersign/mongodb'
import { countCommands, type CommandCounter } from '@countersign/mongodb/testing'
import { SqliteStore } from '@countersign/sqlite'
import { Effect, Exit, Scope } from 'effect'
import { MongoClient } from 'mongodb'

export const storeNames = ['memory', 'sqlite', 'mongodb'] as const
export type StoreName = (typeof storeNames)[number]

/** A store opened for the benchmark, with what it takes to put it away again. */
export interface OpenStore {
  readonly name: StoreName
  /** What the store runs on, for the report. */
  readonly description: string
  readonly store: RunStore
  /** Counts the commands the store sends, where there is a database server to count them at. */
  readonly counter?: CommandCounter
  /** Closes the store and removes everything it wrote. */
  readonly close: () => Promise<void>
}

const memory = (): Promise<OpenStore> =>
  Promise.resolve({
    name: 'memory',
    description: 'in this process',
    store: MemoryStore.make(),
    close: () => Promise.resolve(),
  })

const sqlite = async (): Promise<OpenStore> => {
  const directory = await mkdtemp(join(tmpdir(), 'countersign-bench-'))
  const store = SqliteStore.make({ path: join(directory, 'bench.db') })
  return {
    name: 'sqlite',
    description: 'a temporary file, removed after',
    store,
    close: async () => {
      store.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/**
 * The server's own account of itself. FerretDB names the MongoDB version it speaks and has a field
 * of its own; its version there is "unknown" in builds without version stamping, such as the harness's.
 */
export const serverVersion = async (client: MongoClient) => {
  const info = await client.db('admin').command({ buildInfo: 1 })
  const version = typeof info.version === 'string' ? `MongoDB ${info.version}` : 'MongoDB'
  if (typeof info.ferretdbVersion !== 'string') return version
  return info.ferretdbVersion === 'unknown'
    ? `FerretDB speaking ${version}`
    : `FerretDB ${info.ferretdbVersion} speaking ${version}`
}

/**
 * MONGODB_URL if set, else a FerretDB the harness starts (and stops after). The store gets a
 * client of the benchmark's own, monitored so its commands can be counted, and a database of its
 * own, dropped after.
 */
const mongodb = async (): Promise<OpenStore> => {
  const server = await startMongo()
  const client = new MongoClient(server.url, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 })
  const scope = Effect.runSync(Scope.make())
  const dbName = `countersign_bench_${randomBytes(6).toString('hex')}`
  const close = async () => {
    try {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await client.db(dbName).dropDatabase()
    } finally {
      await client.close()
      await server.stop()
    }
  }
  try {
    await client.connect()
    const where = process.env.MONGODB_URL ? 'MONGODB_URL' : 'a FerretDB started by the harness'
    const description = `${await serverVersion(client)} at ${where}`
    const store = await Effect.runPromise(Scope.extend(MongoStore.make({ client, dbName }), scope))
    return { name: 'mongodb', description, store, counter: countCommands(client), close }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}

export const openers: Readonly<Record<StoreName, () => Promise<OpenStore>>> = { memory, sqlite, mongodb }
