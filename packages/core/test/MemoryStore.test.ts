import { MemoryStore } from '../src/index.js'
import { describeResumeAcrossStores, describeStoreConformance } from '../src/testing/index.js'

describeStoreConformance('MemoryStore', () => Promise.resolve({ store: MemoryStore.make() }))

// In one process, "another store over the same database" is the same memory store.
describeResumeAcrossStores('MemoryStore', () => {
  const store = MemoryStore.make()
  return Promise.resolve({ open: () => Promise.resolve({ store }) })
})
