import { describeResumeAcrossStores } from '@countersign/core/testing'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

// Each store opens a client of its own, as another process would.
describeResumeAcrossStores('MongoStore', () => {
  const dbName = mongo.freshDatabase()
  return Promise.resolve({
    open: async () => {
      const store = await mongo.open({ url: mongo.url, dbName })
      return { store, close: store.close }
    },
  })
})
