/** Scripted scenarios (a model turn and the tools it calls) that more than one test file runs. */
import { type RunStore, type ScriptedModel } from '../src/index.js'
import {
  deleteFileTool,
  listFilesTool,
  scriptedAgent,
  sendEmailTool,
  weatherTool,
  type Ledger,
} from './fixtures.js'

const twoGatedScript: ReadonlyArray<ScriptedModel.Turn> = [
  {
    toolCalls: [
      { name: 'get_the_weather', args: { city: 'Tokyo' } },
      { name: 'send_email', args: { to: 'ana@example.com', subject: 'Weather', body: 'Cloudy' } },
    ],
  },
  'Done.',
]

/** Two confirmation-gated calls in one model turn (weather, then email): one requirement each. */
export const twoGatedAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(twoGatedScript, {
    tools: [
      weatherTool(ledger, { requiresConfirmation: true }),
      sendEmailTool(ledger, { requiresConfirmation: true }),
    ],
    ...(store === undefined ? {} : { store }),
  })

const mixedScript: ReadonlyArray<ScriptedModel.Turn> = [
  {
    toolCalls: [
      { name: 'delete_file', args: { path: 'a.txt' } },
      { name: 'list_files', args: {} },
    ],
  },
  'Deleted a.txt.',
]

/** The mixed batch of §1.6: a gated delete_file beside a free list_files in one model turn. */
export const mixedAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(mixedScript, {
    tools: [deleteFileTool(ledger), listFilesTool(ledger)],
    ...(store === undefined ? {} : { store }),
  })
