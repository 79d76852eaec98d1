import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMongo } from '@countersign/ferretdb-harness'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll } from 'vitest'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '../src/testing/index.js'

/** A store for fixture servers: the fixture server's arguments for it, and how to remove it. */
export interface SharedStore {
  readonly name: string
  readonly open: (
    directory: string,
  ) => Promise<{ readonly args: ReadonlyArray<string>; readonly dispose: () => Promise<void> }>
}

/** A database of its own on a FerretDB started for it (the MongoDB protocol without change streams). */
export const ferretDb: SharedStore = {
  name: 'FerretDB',
  open: async () => {
    const mongo = await startMongo()
    const dbName = `countersign_test_${randomBytes(6).toString('hex')}`
    const dispose = async () => {
      const client = await new MongoClient(mongo.url, { serverSelectionTimeoutMS: 5_000 }).connect()
      await client.db(dbName).dropDatabase()
      await client.close()
      await mongo.stop()
    }
    return { args: ['mongodb', mongo.url, dbName], dispose }
  },
}

/** One SQLite file, which several processes may open. */
export const sqliteFile: SharedStore = {
  name: 'one SQLite file',
  // The file lives in the suite's directory, removed with it.
  open: async (directory) => ({
    args: ['sqlite', join(directory, 'countersign.db')],
    dispose: async () => {},
  }),
}

/**
 * The fixture server in a child process on a store of its own for the tests of the enclosing
 * block; killed after them, and the store removed.
 */
export const useServerOn = (store: SharedStore) => {
  const holder: { server?: ServerProcess; dispose?: () => Promise<void>; directory?: string } = {}
  beforeAll(async () => {
    holder.directory = mkdtempSync(join(tmpdir(), 'countersign-server-'))
    const opened = await store.open(holder.directory)
    holder.dispose = opened.dispose
    holder.server = await startServerProcess(fixtureServerEntry, opened.args)
  }, 120_000)
  afterAll(async () => {
    holder.server?.kill()
    await holder.server?.ended
    await holder.dispose?.()
    if (holder.directory !== undefined) rmSync(holder.directory, { recursive: true, force: true })
  })
  return () => {
    if (holder.server === undefined) throw new Error('the server process has not started')
    return holder.server
  }
}
