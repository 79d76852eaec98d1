/**
 * Run by crash.test.ts (the crash-recovery suite of `@countersign/core/testing`) in processes of
 * its own: opens a MongoStore on database DB_NAME at URL and does what the rest of the command
 * line says (see `runAgentProcess`).
 */
import { runAgentProcess } from '@countersign/core/testing/agent-process'
import { Effect, Exit, Scope } from 'effect'
import { MongoStore } from '../../src/index.js'

const [url, dbName, ...command] = process.argv.slice(2)
if (url === undefined || dbName === undefined) throw new Error('usage: agent-process.ts URL DB_NAME COMMAND…')

await runAgentProcess(command, async () => {
  const scope = Effect.runSync(Scope.make())
  const store = await Effect.runPromise(Scope.extend(MongoStore.make({ url, dbName }), scope))
  return { store, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
})
