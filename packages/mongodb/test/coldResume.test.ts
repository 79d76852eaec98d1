import { fileURLToPath } from 'node:url'
import { describeColdResume, coldResumeScenarios } from '@countersign/core/testing'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

// The processes reach the test's server through its URL, as separate servers sharing a database would.
describeColdResume(
  'MongoStore',
  () => {
    const dbName = mongo.freshDatabase()
    return Promise.resolve({
      entry: fileURLToPath(new URL('./child/cold-resume-process.ts', import.meta.url)),
      storeArgs: [mongo.url, dbName],
      open: async () => {
        const store = await mongo.open({ url: mongo.url, dbName })
        return { store, close: store.close }
      },
    })
  },
  coldResumeScenarios,
)
