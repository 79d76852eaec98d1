import { MemoryStore } from '../src/index.js'
import { describeStoreConformance } from '../src/testing/index.js'

describeStoreConformance('MemoryStore', () => Promise.resolve({ store: MemoryStore.make() }))
