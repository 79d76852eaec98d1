import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunStore } from '@countersign/core'
import { startMongo } from '@countersign/ferretdb-harness'
import { MongoStore } from '@countersign/mongodb'
import { SqliteStore } from '@countersign/sqlite'
import { Effect, Exit, Scope } from 'effect'
import { MongoClient } from 'mongodb'
import { serverVersion } from '../stores.js'
import type { Template } from './copiedRuns.js'
import { copyMongoRuns } from './mongoCopies.js'
import { copySqliteRuns } from './sqliteCopies.js'

export const sizedStoreNames = ['sqlite', 'mongodb'] as const
export type SizedStoreName = (typeof sizedStoreNames)[number]

/** A store of one kind, filled to a size: a database of its own, with a way to add copied runs to it. */
export interface SizedStore {
  readonly store: RunStore
  /** Stores `count` copies of the templates, behind the store's back (see copiedRuns.ts). */
  readonly copy: (templates: ReadonlyArray<Template>, count: number) => Promise<void>
}

/** Stores of one kind, one database each, on one server; `close` removes them all. */
export interface SizedStores {
  readonly description: string
  readonly open: () => Promise<SizedStore>
  readonly close: () => Promise<void>
}

/** SQLite files in one temporary directory, removed after. */
const sqlite = async (): Promise<SizedStores> => {
  const directory = await mkdtemp(join(tmpdir(), 'countersign-bench-size-'))
  const opened: Array<SqliteStore.SqliteStore> = []
  return {
    description: 'SqliteStore, a file each in a temporary directory, removed after',
    open: () => {
      const path = join(directory, `runs-${opened.length}.db`)
      const store = SqliteStore.make({ path })
      opened.push(store)
      return Promise.resolve({
        store,
        copy: (templates, count) => Promise.resolve(copySqliteRuns(path, templates, count)),
      })
    },
    close: async () => {
      for (const store of opened) store.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/** Databases of their own on MONGODB_URL, else on a FerretDB the harness starts; dropped after. */
const mongodb = async (): Promise<SizedStores> => {
  const server = await startMongo()
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 })
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
      description: `MongoStore on ${await serverVersion(client)} at ${where}, a database each, dropped after`,
      open: async () => {
        const dbName = `countersign_bench_${randomBytes(6).toString('hex')}`
        dbNames.push(dbName)
        const store = await Effect.runPromise(Scope.extend(MongoStore.make({ client, dbName }), scope))
        return { store, copy: (templates, count) => copyMongoRuns(client.db(dbName), templates, count) }
      },
      close,
    }
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
}

export const sizedOpeners: Readonly<Record<SizedStoreName, () => Promise<SizedStores>>> = { sqlite, mongodb }
