import { createServer } from 'node:net'
import { RunStore, type StoreError } from '@countersign/core'
import { sampleRun } from '@countersign/core/testing'
import { Effect, Option } from 'effect'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MongoStore } from '../src/index.js'
import { failureOf, run } from './effects.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

afterEach(() => {
  vi.unstubAllEnvs()
})

/** A loopback port nothing listens on: bound by the kernel, then released. */
const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })

/** The URL of the test server with `name` as its path. */
const withDatabase = (url: string, name: string) =>
  url.replace(/^([a-z+]+:\/\/[^/?]*)\/?[^?]*/i, `$1/${name}`)

const failedStart = (options: MongoStore.Options) => failureOf(Effect.scoped(MongoStore.make(options)))

describe('MongoStore: connecting', () => {
  it('an unreachable server fails the start quickly with a StoreError naming it, credentials masked', async () => {
    const port = await closedPort()
    const started = Date.now()

    const error: StoreError = await failedStart({
      url: `mongodb://ada:s3cret@127.0.0.1:${port}/`,
      serverSelectionTimeoutMs: 300,
    })

    expect(Date.now() - started).toBeLessThan(5_000)
    expect(error).toMatchObject({ _tag: 'StoreError', operation: 'connect' })
    expect(error.reason).toContain(`cannot reach MongoDB at mongodb://***@127.0.0.1:${port}/`)
    expect(error.reason).not.toContain('s3cret')
  })

  it('without a URL or MONGODB_URL, or with a malformed URL, the start fails with a StoreError', async () => {
    vi.stubEnv('MONGODB_URL', undefined)

    const [missing, malformed] = [await failedStart({}), await failedStart({ url: 'http://not-mongodb' })]

    expect(missing).toMatchObject({ _tag: 'StoreError', operation: 'connect' })
    expect(missing.reason).toContain('pass `url` or set MONGODB_URL')
    expect(malformed).toMatchObject({ _tag: 'StoreError', operation: 'connect' })
    expect(malformed.reason).toContain('invalid MongoDB URL http://not-mongodb')
  })

  it('connects to MONGODB_URL by default, using the database named in the URL', async () => {
    const dbName = mongo.freshDatabase()
    vi.stubEnv('MONGODB_URL', withDatabase(mongo.url, dbName))

    const store = await mongo.open({})
    await run(store.createRun(sampleRun('run-from-env')))

    expect(store.dbName).toBe(dbName)
    const stored = await (
      await mongo.client()
    )
      .db(dbName)
      .collection('runs')
      .findOne({ _id: 'run-from-env' as never })
    expect(stored).toMatchObject({ _id: 'run-from-env', schemaVersion: 2 })
    expect(MongoStore.schemaVersion).toBe(2)
  })

  it('an explicit dbName wins over the URL; with neither, the database is "countersign"', async () => {
    const dbName = mongo.freshDatabase()
    const bare = withDatabase(mongo.url, '')

    const named = await mongo.open({
      url: withDatabase(mongo.url, 'not-this-one'),
      dbName,
      ensureIndexes: false,
    })
    const unnamed = await mongo.open({ url: bare, ensureIndexes: false })

    expect(named.dbName).toBe(dbName)
    expect(unnamed.dbName).toBe('countersign')
    expect(MongoStore.defaultDbName).toBe('countersign')
  })

  it('as a layer, provides the RunStore and closes its client when its scope ends', async () => {
    const dbName = mongo.freshDatabase()
    let kept: RunStore | undefined

    await run(
      Effect.gen(function* () {
        kept = yield* RunStore
        yield* kept.createRun(sampleRun('run-layer'))
      }).pipe(Effect.provide(MongoStore.layer({ url: mongo.url, dbName }))),
    )

    expect(await failureOf(kept!.getRun('run-layer'))).toMatchObject({
      _tag: 'StoreError',
      operation: 'getRun',
    })
    const reopened = await mongo.open({ url: mongo.url, dbName })
    expect(Option.isSome(await run(reopened.getRun('run-layer')))).toBe(true)
  })

  it('leaves a client it was given open when its scope ends: the client belongs to the caller', async () => {
    const dbName = mongo.freshDatabase()
    const client = await mongo.newClient()
    const store = await mongo.open({ client, dbName })
    await run(store.createRun(sampleRun('run-borrowed')))

    await store.close()

    expect(await client.db(dbName).collection('runs').countDocuments()).toBe(1)
  })
})
