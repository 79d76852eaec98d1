import { defineAgent, type Message, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'

/*
 * The agent of the server benchmark, served by the server process and by the in-process peers
 * alike: its model calls a tool that needs confirmation, and once the tool has run, answers. A
 * run of it pauses once and completes when that call is confirmed.
 */

export const agentId = 'confirm-once'

export const input = 'Move 100'

const toolResults = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))

export const confirmOnce = defineAgent({
  id: agentId,
  name: 'Confirm once',
  model: ScriptedModel.make((request) => {
    const results = toolResults(request.messages)
    return results.length === 0
      ? { toolCalls: [{ name: 'transfer', args: { amount: 100 } }] }
      : `Done: ${results.join(' | ')}`
  }),
  tools: [
    Tool.make({
      name: 'transfer',
      description: 'Move money',
      parameters: Schema.Struct({ amount: Schema.Number }),
      requiresConfirmation: true,
      execute: ({ amount }) => `moved ${amount}`,
    }),
  ],
})

/** A run paused on its one call, as either side reports it. */
export interface Paused {
  readonly runId: string
  readonly requirementIds: ReadonlyArray<string>
}

/** A run that is not where the benchmark expects it did not do what is measured: stop the benchmark. */
export const expectStatus = (
  run: { readonly runId: string; readonly status: string; readonly error?: string | undefined },
  status: 'paused' | 'completed',
) => {
  if (run.status !== status)
    throw new Error(`run ${run.runId} is ${run.status}, not ${status}: ${run.error ?? ''}`)
}

/** The paused run's one open requirement; anything else stops the benchmark. */
export const pausedOnOne = (run: {
  readonly runId: string
  readonly status: string
  readonly error?: string | undefined
  readonly requirementIds: ReadonlyArray<string>
}): Paused => {
  expectStatus(run, 'paused')
  if (run.requirementIds.length !== 1)
    throw new Error(`run ${run.runId} is paused on ${run.requirementIds.length} requirements, not one`)
  return { runId: run.runId, requirementIds: run.requirementIds }
}
