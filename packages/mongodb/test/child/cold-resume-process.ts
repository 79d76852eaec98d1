/**
 * Run by coldResume.test.ts (the cold-resume suite of `@countersign/core/testing`) in processes
 * of its own: opens a MongoStore on database DB_NAME at URL and plays the step of core's team
 * scenarios that the rest of the command line says (see `runColdResumeProcess`).
 */
import { runColdResumeProcess, coldResumeScenarios } from '@countersign/core/testing/cold-resume-process'
import { Effect, Exit, Scope } from 'effect'
import { MongoStore } from '../../src/index.js'

const [url, dbName, ...command] = process.argv.slice(2)
if (url === undefined || dbName === undefined)
  throw new Error('usage: cold-resume-process.ts URL DB_NAME COMMAND…')

await runColdResumeProcess(
  command,
  async () => {
    const scope = Effect.runSync(Scope.make())
    const store = await Effect.runPromise(Scope.extend(MongoStore.make({ url, dbName }), scope))
    return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  },
  coldResumeScenarios,
)
