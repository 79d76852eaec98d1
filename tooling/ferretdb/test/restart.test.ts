import { MongoClient } from 'mongodb'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startFerretDb, type FerretDbBackend } from '../src/index.js'
import { accepts } from './accepts.js'

// Building the launcher on a fresh machine downloads FerretDB's modules and compiles them (about a minute).
const buildTimeout = 600_000

/** Runs `use` with a client of its own, closed afterwards: no connection outlives a server's stop. */
const withClient = async <A>(url: string, use: (client: MongoClient) => Promise<A>): Promise<A> => {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 })
  try {
    return await use(client)
  } finally {
    await client.close()
  }
}

describe.each<FerretDbBackend>(['sqlite', 'postgresql'])('over %s', (backend) => {
  it(
    'a private FerretDB stops, starts again on the same port with its data, and is gone once disposed',
    async () => {
      const server = await startFerretDb({ backend })
      onTestFinished(server.dispose)
      const { hostname, port } = new URL(server.url)
      const decisions = (client: MongoClient) => client.db('restart').collection<{ _id: string }>('decisions')
      const doc = { _id: 'req-1', approved: true, note: 'kept across a restart' }
      await withClient(server.url, (client) => decisions(client).insertOne(doc))

      await server.stop()
      await server.stop() // a no-op once stopped
      expect(await accepts(hostname, Number(port))).toBe(false)

      await server.start()
      await server.start() // a no-op while running
      expect(await withClient(server.url, (client) => decisions(client).find().toArray())).toStrictEqual([
        doc,
      ])

      await server.dispose()
      expect(await accepts(hostname, Number(port))).toBe(false)
      await expect(server.start()).rejects.toThrow('was disposed')
    },
    buildTimeout,
  )
})
