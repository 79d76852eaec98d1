import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunStore } from '@countersign/core'
import { SqliteStore } from '@countersign/sqlite'
import Database from 'better-sqlite3'
import type { Renaming, Template } from './copiedRuns.js'
import { startMongoDatabases } from './mongoDatabases.js'
import { copyMongoRuns } from './mongoCopies.js'
import { type QueryPlan, queryPlans } from './mongoPlans.js'
import { copySqliteRuns } from './sqliteCopies.js'

export const sizedStoreNames = ['sqlite', 'mongodb'] as const
export type SizedStoreName = (typeof sizedStoreNames)[number]

/** A store of one kind, filled to a size: a database of its own, with a way to add copied runs to it. */
export interface SizedStore {
  readonly store: RunStore
  /** Stores `count` copies of the templates, behind the store's back (see copiedRuns.ts); answers them. */
  readonly copy: (templates: ReadonlyArray<Template>, count: number) => Promise<ReadonlyArray<Renaming>>
  /** The server's plans of the queries `call` sends, where the store has a server to ask. */
  readonly plans?: (call: () => Promise<unknown>) => Promise<ReadonlyArray<QueryPlan>>
  /**
   * Every root run counted, behind the store's back, as a run list's total was counted before
   * the count stopped at the page's count limit: the cost that limit took off the list.
   */
  readonly countEveryRun: () => Promise<number>
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
  const readers: Array<Database.Database> = []
  return {
    description: 'SqliteStore, a file each in a temporary directory, removed after',
    open: () => {
      const path = join(directory, `runs-${opened.length}.db`)
      const store = SqliteStore.make({ path })
      opened.push(store)
      const reader = new Database(path, { readonly: true })
      readers.push(reader)
      const countRoots = reader.prepare('SELECT count(*) AS total FROM runs WHERE parent_run_id IS NULL')
      return Promise.resolve({
        store,
        copy: (templates, count) => Promise.resolve(copySqliteRuns(path, templates, count)),
        countEveryRun: () => Promise.resolve((countRoots.get() as { readonly total: number }).total),
      })
    },
    close: async () => {
      for (const reader of readers) reader.close()
      for (const store of opened) store.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/** Databases of their own on MONGODB_URL, else on a FerretDB the harness starts; dropped after. */
const mongodb = async (): Promise<SizedStores> => {
  const mongo = await startMongoDatabases()
  return {
    description: `MongoStore on ${mongo.description}, a database each, dropped after`,
    open: async () => {
      const { store, db } = await mongo.open()
      return {
        store,
        copy: (templates, count) => copyMongoRuns(db, templates, count),
        plans: (call) => queryPlans(mongo.client, db, call),
        countEveryRun: () => db.collection('runs').countDocuments({ parentRunId: { $exists: false } }),
      }
    },
    close: mongo.close,
  }
}

export const sizedOpeners: Readonly<Record<SizedStoreName, () => Promise<SizedStores>>> = { sqlite, mongodb }
