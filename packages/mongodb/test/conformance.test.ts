import { describeStoreConformance } from '@countersign/core/testing'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

// A fresh database per test, dropped after it by the kit; one client serves them all.
describeStoreConformance('MongoStore', async () => ({
  store: await mongo.open({ client: await mongo.client(), dbName: mongo.freshDatabase() }),
}))
