import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunStore } from '@countersign/core'
import { SqliteStore } from '@countersign/sqlite'
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
  const mongo = await startMongoDatabases()
  return {
    description: `MongoStore on ${mongo.description}, a database each, dropped after`,
    open: async () => {
      const { store, db } = await mongo.open()
      return {
        store,
        copy: (templates, count) => copyMongoRuns(db, templates, count),
        plans: (call) => queryPlans(mongo.client, db, call),
      }
    },
    close: mongo.close,
  }
}

export const sizedOpeners: Readonly<Record<SizedStoreName, () => Promise<SizedStores>>> = { sqlite, mongodb }
