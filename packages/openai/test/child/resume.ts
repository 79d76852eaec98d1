/**
 * A second process continuing a paused run: `resume.ts DB BASE_URL API RUN_ID` opens the SQLite store,
 * builds the same agent on the wire server, confirms every open requirement, continues the run and
 * prints `done <json>` with its status, content and usage.
 */
import { Resolutions } from '@countersign/core'
import { SqliteStore } from '@countersign/sqlite'
import { makeAgent, type Api } from '../fixtures.js'

const [path, baseURL, api, runId] = process.argv.slice(2) as [string, string, Api, string]
const store = SqliteStore.make({ path })
const agent = makeAgent(baseURL, api, store)
const paused = await agent.getRun(runId)
const output = await agent.continueRun({
  runId,
  resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
})
process.stdout.write(
  `done ${JSON.stringify({ status: output.status, content: output.content, usage: output.usage, error: output.error })}\n`,
)
await agent.dispose()
store.close()
