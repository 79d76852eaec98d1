import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startMongo } from '@countersign/ferretdb-harness'
import { MongoClient } from 'mongodb'

/** A store several server processes can share: the fixture server's arguments for it, and how to remove it. */
export interface SharedStore {
  readonly name: string
  readonly open: (
    directory: string,
  ) => Promise<{ readonly args: ReadonlyArray<string>; readonly dispose: () => Promise<void> }>
}

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

export const sqliteFile: SharedStore = {
  name: 'one SQLite file',
  // The file lives in the suite's directory, removed with it.
  open: async (directory) => ({
    args: ['sqlite', join(directory, 'countersign.db')],
    dispose: async () => {},
  }),
}
