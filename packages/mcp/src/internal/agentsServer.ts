import { type Countersign, type Principal, type RunOutput } from '@countersign/core'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'
import { driveRun, type HoldRun, standing } from './driveRun.js'
import { toolNameOf } from './names.js'

/*
 * A Countersign deployment as an MCP server for one caller: each agent, team and workflow is a
 * tool taking a task in words, run as that caller; two more tools check on a run and take it on.
 */

const getRunTool = 'countersign_get_run'
const continueRunTool = 'countersign_continue_run'

const taskSchema = {
  type: 'object' as const,
  properties: { input: { type: 'string', description: 'The task, in plain words' } },
  required: ['input'],
}
const runIdSchema = {
  type: 'object' as const,
  properties: { runId: { type: 'string', description: 'The run id a paused call answered with' } },
  required: ['runId'],
}

const failure = (message: string): CallToolResult => ({
  content: [{ type: 'text', text: message }],
  isError: true,
})

const stringArg = (args: Readonly<Record<string, unknown>> | undefined, name: string) => {
  const value = args?.[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

export const agentsServer = (
  countersign: Countersign,
  principal: Principal,
  holdRun: HoldRun = (work) => work(),
): Server => {
  const server = new Server({ name: 'countersign', version: '1' }, { capabilities: { tools: {} } })
  const runnables = new Map(
    [...countersign.served.values()].map((runnable) => [toolNameOf('', runnable.id), runnable] as const),
  )

  /** The caller's own run (an admin's: any); any other is as if it did not exist. */
  const ownRun = async (runId: string): Promise<RunOutput | undefined> => {
    const output = await countersign.getRun(runId).catch(() => undefined)
    return output !== undefined && (output.userId === principal.id || principal.roles.includes('admin'))
      ? output
      : undefined
  }

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      ...[...runnables].map(([name, runnable]) => ({
        name,
        description: `Give the ${runnable.kind} "${runnable.name}" a task. It may ask you to confirm its actions or to fill in what it needs; when it waits for someone else, you get its run id.`,
        inputSchema: taskSchema,
      })),
      {
        name: getRunTool,
        description: 'Where one of your runs stands: its answer, or what it waits for and from whom.',
        inputSchema: runIdSchema,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      {
        name: continueRunTool,
        description: 'Takes up one of your paused runs: asks you what is yours to answer, and goes on.',
        inputSchema: runIdSchema,
      },
    ],
  }))

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const caller = { server, requestId: extra.requestId, principal, holdRun }
    const { name, arguments: args } = request.params
    try {
      if (name === getRunTool || name === continueRunTool) {
        const runId = stringArg(args, 'runId')
        const output = runId === undefined ? undefined : await ownRun(runId)
        if (output === undefined) return failure(`No run "${runId ?? ''}" of yours.`)
        return name === getRunTool ? standing(output) : await driveRun(countersign, caller, output)
      }
      const runnable = runnables.get(name)
      const input = stringArg(args, 'input')
      if (runnable === undefined) return failure(`No tool "${name}".`)
      if (input === undefined) return failure('input: a task in words is required.')
      const first = await holdRun(() =>
        countersign.run(runnable.id, input, { principal, userId: principal.id }),
      )
      return await driveRun(countersign, caller, first)
    } catch (error) {
      // Typed errors of the engine say what went wrong and carry no stack or path.
      return failure(error instanceof Error ? error.message : 'The call failed.')
    }
  })
  return server
}
