/**
 * A second process taking up a paused run: `resume.ts DB DIRECTORY TARGET RUN_ID` opens the SQLite
 * store, connects its own filesystem server, confirms every open requirement, continues the run
 * and prints `done STATUS`.
 */
import { Resolutions } from '@countersign/core'
import { SqliteStore } from '@countersign/sqlite'
import { filesAgent } from './filesAgent.js'

const [path, directory, target, runId] = process.argv.slice(2) as [string, string, string, string]
const store = SqliteStore.make({ path })
const { agent, toolkit } = await filesAgent(store, directory, target)
const paused = await agent.getRun(runId)
const output = await agent.continueRun({
  runId,
  resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
})
process.stdout.write(`done ${output.status}\n`)
await toolkit.close()
await agent.dispose()
store.close()
