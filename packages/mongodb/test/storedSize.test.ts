import { describeStoredSize } from '@countersign/core/testing'
import { BSON } from 'mongodb'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

describeStoredSize('MongoStore', () => {
  const dbName = mongo.freshDatabase()
  return Promise.resolve({
    open: async () => {
      const store = await mongo.open({ url: mongo.url, dbName })
      return { store, close: store.close }
    },
    // The BSON size of every document in every collection of the database, whatever the store named them.
    recordSizes: async () => {
      const db = (await mongo.client()).db(dbName)
      const sizes: Array<number> = []
      for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray())
        for await (const document of db.collection(name).find())
          sizes.push(BSON.calculateObjectSize(document))
      return sizes
    },
  })
})
