import { fileURLToPath } from 'node:url'
import { describeColdResume, coldResumeScenarios } from '@countersign/core/testing'
import { SqliteStore } from '../src/index.js'
import { tempDatabase } from './tempDatabase.js'

describeColdResume(
  'SqliteStore',
  () => {
    const file = tempDatabase()
    return Promise.resolve({
      entry: fileURLToPath(new URL('./child/cold-resume-process.ts', import.meta.url)),
      storeArgs: [file.path],
      open: () => {
        const store = SqliteStore.make({ path: file.path })
        return Promise.resolve({ store, close: () => Promise.resolve(store.close()) })
      },
      drop: () => Promise.resolve(file.remove()),
    })
  },
  coldResumeScenarios,
)
