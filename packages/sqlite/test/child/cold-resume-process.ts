/**
 * Run by coldResume.test.ts (the cold-resume suite of `@countersign/core/testing`) in processes
 * of its own: opens the SQLite store at PATH and plays the step of core's cold-resume scenarios that
 * the rest of the command line says (see `runColdResumeProcess`).
 */
import { runColdResumeProcess, coldResumeScenarios } from '@countersign/core/testing/cold-resume-process'
import { SqliteStore } from '../../src/index.js'

const [path, ...command] = process.argv.slice(2)
if (path === undefined) throw new Error('usage: cold-resume-process.ts PATH COMMAND…')

await runColdResumeProcess(
  command,
  () => {
    const store = SqliteStore.make({ path })
    return Promise.resolve({ store, close: () => Promise.resolve(store.close()) })
  },
  coldResumeScenarios,
)
