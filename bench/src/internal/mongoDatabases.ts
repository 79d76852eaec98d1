import { randomBytes } from 'node:crypto'
import { startMongo } from '@countersign/ferretdb-harness'
import { MongoStore } from '@countersign/mongodb'
import { Effect, Exit, Scope } from 'effect'
import { type Db, MongoClient } from 'mongodb'

/**
 * The server's own account of itself. FerretDB names the MongoDB version it speaks and has a field
 * of its own; its version there is "unknown" in builds without version stamping, such as the harness's.
 */
const serverVersion = async (client: MongoClient) => {
  const info = await client.db('admin').command({ buildInfo: 1 })
  const version = typeof info.version === 'string' ? `MongoDB ${info.version}` : 'MongoDB'
  if (typeof info.ferretdbVersion !== 'string') return version
  return info.ferretdbVersion === 'unknown'
    ? `FerretDB speaking ${version}`
    : `FerretDB ${info.ferretdbVersion} speaking ${version}`
}

/** A MongoDB server for a benchmark, and stores on it, each in a database of its own. */
export interface MongoDatabases {
  /** The benchmark's own client, monitoring its commands (so they can be counted). */
  readonly client: MongoClient
  /** What the server is and where it came from, for the report. */
  readonly description: string
  /** A store over a new database, dropped by `close`. */
  readonly open: () => Promise<{ readonly store: MongoStore.MongoStore; readonly db: Db }>
  /** Closes the stores, drops their databases, closes the client and stops the server it started. */
  readonly close: () => Promise<void>
}

/** MONGODB_URL if set, else a FerretDB the harness starts (and stops after). */
export const startMongoDatabases = async (): Promise<MongoDatabases> => {
  const server = await startMongo()
  const client = new MongoClient(server.url, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 })
  const scope = Effect.runSync(Scope.make())
  const dbNames: Array<string> = []
  const close = async () => {
    try {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      for (const dbName of dbNames) await client.db(dbName).dropDatabase()
    } finally {
      await client.close()
      await server.stop()
    }
  }
  try {
    await client.connect()
    const where = process.env.MONGODB_URL ? 'MONGODB_URL' : 'a FerretDB started by the harness'
    return {
      client,
      description: `${await serverVersion(client)} at ${where}`,
      open: async () => {
        const dbName = `countersign_bench_${randomBytes(6).toString('hex')}`
        dbNames.push(dbName)
        const store = await Effect.runPromise(Scope.extend(MongoStore.make({ client, dbName }), scope))
        return { store, db: client.db(dbName) }
      },
      close,
    }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}
