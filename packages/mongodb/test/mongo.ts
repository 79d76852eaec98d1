import { randomBytes } from 'node:crypto'
import type {} from '@countersign/ferretdb-harness/globalSetup' // types `inject('mongodbUrl')`
import { Effect, Exit, Scope } from 'effect'
import { MongoClient, type MongoClientOptions } from 'mongodb'
import { afterAll, afterEach, inject } from 'vitest'
import { MongoStore } from '../src/index.js'

/**
 * What a test file needs of the run's MongoDB server (from the harness's globalSetup): clients,
 * fresh databases and stores, each released after the test that made it, whatever its outcome.
 * Call once at the top of a test file.
 */
export const mongoTestKit = () => {
  const url = inject('mongodbUrl')
  const cleanups: Array<() => Promise<void>> = []
  let shared: Promise<MongoClient> | undefined

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  afterAll(async () => {
    await (await shared)?.close()
  })

  const connect = async (options: MongoClientOptions = {}) =>
    new MongoClient(url, { serverSelectionTimeoutMS: 5_000, ...options }).connect()

  /** One client for the file: what most tests read and damage documents through. */
  const client = () => (shared ??= connect())

  return {
    url,
    client,
    /** Runs `cleanup` after the test, before what was opened earlier is released. */
    defer: (cleanup: () => Promise<void> | void) => void cleanups.push(async () => cleanup()),
    /** A client of its own, as another process would have; closed after the test. */
    newClient: async (options: MongoClientOptions = {}) => {
      const opened = await connect(options)
      cleanups.push(() => opened.close())
      return opened
    },
    /** A database name no other test uses; the database is dropped after the test. */
    freshDatabase: () => {
      const name = `countersign_test_${randomBytes(6).toString('hex')}`
      cleanups.push(async () => void (await (await client()).db(name).dropDatabase()))
      return name
    },
    /** A store in a scope of its own, closed after the test (or earlier, with the returned `close`). */
    open: async (options: MongoStore.Options) => {
      const scope = Effect.runSync(Scope.make())
      const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
      cleanups.push(close)
      const store = await Effect.runPromise(Scope.extend(MongoStore.make(options), scope))
      return Object.assign(store, { close })
    },
  }
}
