import { fileURLToPath } from 'node:url'
import { describeCrashRecovery } from '@countersign/core/testing'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

// The processes reach the test's server through its URL, as separate servers sharing a database would.
describeCrashRecovery('MongoStore', () =>
  Promise.resolve({
    entry: fileURLToPath(new URL('./child/agent-process.ts', import.meta.url)),
    storeArgs: [mongo.url, mongo.freshDatabase()],
  }),
)
