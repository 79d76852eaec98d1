import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore, type RunStore } from '@countersign/core'
import { countCommands, type CommandCounter } from '@countersign/mongodb/testing'
import { SqliteStore } from '@countersign/sqlite'
import { startMongoDatabases } from './internal/mongoDatabases.js'

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
 * MONGODB_URL if set, else a FerretDB the harness starts (and stops after). The store gets a
 * client of the benchmark's own, monitored so its commands can be counted, and a database of its
 * own, dropped after.
 */
const mongodb = async (): Promise<OpenStore> => {
  const mongo = await startMongoDatabases()
  try {
    const { store } = await mongo.open()
    const { description, client, close } = mongo
    return { name: 'mongodb', description, store, counter: countCommands(client), close }
  } catch (error) {
    await mongo.close().catch(() => undefined)
    throw error
  }
}

export const openers: Readonly<Record<StoreName, () => Promise<OpenStore>>> = { memory, sqlite, mongodb }
