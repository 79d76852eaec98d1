import { describeResumeAcrossStores } from '@countersign/core/testing'
import { SqliteStore } from '../src/index.js'
import { tempDatabase } from './tempDatabase.js'

describeResumeAcrossStores('SqliteStore', () => {
  const file = tempDatabase()
  return Promise.resolve({
    open: () => {
      const store = SqliteStore.make({ path: file.path })
      return Promise.resolve({ store, close: () => Promise.resolve(store.close()) })
    },
    drop: () => Promise.resolve(file.remove()),
  })
})
