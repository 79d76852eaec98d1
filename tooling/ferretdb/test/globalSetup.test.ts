import { MongoClient } from 'mongodb'
import { expect, inject, it } from 'vitest'

// vitest.config.ts runs src/globalSetup.ts, as a package's tests would through
// `globalSetup: ['@countersign/ferretdb-harness/globalSetup']`.
it('provides the url of a running server to the tests', async () => {
  const url = inject('mongodbUrl')
  expect(url).toMatch(/^mongodb:\/\//)
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 })
  try {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 })
  } finally {
    await client.close()
  }
})
