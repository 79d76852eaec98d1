import { Agent, type RunStore, ScriptedModel } from '@countersign/core'
import { McpToolkit } from '../../src/index.js'
import { filesystemServer } from '../servers/addresses.js'

/** The agent both processes of the resume test build: one write to `target`, through the filesystem server in `directory`. */
export const filesAgent = async (
  store: RunStore,
  directory: string,
  target: string,
): Promise<{ agent: Agent; toolkit: McpToolkit.McpToolkit }> => {
  const toolkit = await McpToolkit.connect({ name: 'files', server: filesystemServer(directory) })
  const agent = new Agent({
    id: 'files',
    model: ScriptedModel.make([
      { toolCalls: [{ name: 'write_file', args: { path: target, content: 'from the second process' } }] },
      'Written.',
    ]),
    store,
    tools: [toolkit],
  })
  return { agent, toolkit }
}
