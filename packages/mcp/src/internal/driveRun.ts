import type { Countersign, Principal, ResolutionInput, RunOutput } from '@countersign/core'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js'
import { askCaller, canAsk, isTheCallers } from './askCaller.js'

/** Runs work that starts or continues a run, within whatever limit the host sets on the caller's concurrent runs. */
export type HoldRun = <A>(work: () => Promise<A>) => Promise<A>

/** How many pauses in a row one tool call takes the caller through before it answers with where the run stands. */
const maxRounds = 20

const text = (value: string) => [{ type: 'text' as const, text: value }]

/** What a run waits for, as the MCP client reads it: the run id, and who must act on what. */
export const standing = (output: RunOutput, note?: string): CallToolResult => {
  const waitingFor = output.activeRequirements.map((requirement) => ({
    requirementId: requirement.id,
    kind: requirement.kind,
    toolName: requirement.toolCall.name,
    by: isTheCallers(requirement) ? 'you' : 'someone else (an approver)',
  }))
  const lines = [
    `Run ${output.runId} is ${output.status}.`,
    ...(note === undefined ? [] : [note]),
    ...waitingFor.map((each) => `It waits for ${each.kind} on ${each.toolName}, by ${each.by}.`),
    ...(output.status === 'paused'
      ? ['Check on it with countersign_get_run; answer your part with countersign_continue_run.']
      : []),
  ]
  return {
    content: text(lines.join('\n')),
    structuredContent: { runId: output.runId, status: output.status, waitingFor },
  }
}

/** A run that ended, as its result: its answer, or its error. */
const ended = (output: RunOutput): CallToolResult =>
  output.status === 'completed'
    ? {
        content: text(output.content),
        structuredContent: { runId: output.runId, status: output.status, content: output.content },
      }
    : {
        content: text(`Run ${output.runId} ${output.status}: ${output.error ?? 'no reason given'}`),
        isError: true,
      }

/**
 * Takes a run as far as the caller can: each pause they may resolve is asked of them through
 * elicitation, and the run continued with their answers, as them; it answers the run's result,
 * or where it stands when it waits for someone else (or for them, when they cancel or their
 * client cannot be asked).
 */
export const driveRun = async (
  countersign: Countersign,
  caller: {
    readonly server: Server
    readonly requestId: RequestId
    readonly principal: Principal
    readonly holdRun: HoldRun
  },
  first: RunOutput,
): Promise<CallToolResult> => {
  const { server, requestId, principal, holdRun } = caller
  const canElicit = server.getClientCapabilities()?.elicitation !== undefined
  let output = first
  for (let round = 0; round < maxRounds; round++) {
    if (output.status !== 'paused') return output.status === 'running' ? standing(output) : ended(output)
    const open = output.activeRequirements
    const askable = canElicit
      ? open.filter((requirement) => isTheCallers(requirement) && canAsk(requirement))
      : []
    const resolutions: Array<ResolutionInput> = []
    for (const requirement of askable) {
      const answer = await askCaller(server, requestId, requirement)
      if (answer === undefined) break
      resolutions.push(answer)
    }
    if (resolutions.length === 0) return standing(output)
    if (resolutions.length < open.length) {
      await countersign.resolve(output.runId, resolutions, { principal })
      return standing(await countersign.getRun(output.runId))
    }
    output = await holdRun(() => countersign.continueRun({ runId: output.runId, resolutions }, { principal }))
  }
  return standing(output)
}
