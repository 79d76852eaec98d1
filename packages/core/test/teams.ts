/** Teams for the team tests: scripted leaders and members that report what their tools said. */
import { Schema } from 'effect'
import {
  defineAgent,
  type Message,
  ScriptedModel,
  Tool,
  type AgentDefinition,
  type Actor,
} from '../src/index.js'
import type { Ledger } from './fixtures.js'

type Calls = NonNullable<Exclude<ScriptedModel.Turn, string>['toolCalls']>

const toolResults = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((message) => (message._tag === 'Tool' ? [message.content] : []))

/**
 * A model that makes `calls` in its first turn, then answers with `prefix` and every tool
 * result it was given: what the team tests read to see what a leader or member was told.
 */
export const reporting = (calls: Calls, prefix: string) =>
  ScriptedModel.make((request) => {
    const results = toolResults(request.messages)
    return results.length === 0 ? { toolCalls: calls } : `${prefix}: ${results.join(' | ')}`
  })

/** A leader that hands `task` to one member, then reports the result. */
export const delegatingTo = (memberId: string, task = 'Do your part') =>
  reporting([{ name: 'delegate_task_to_member', args: { member_id: memberId, task } }], 'Team')

/** A leader that hands `task` to every member, then reports the results. */
export const delegatingToAll = (task = 'Do your part') =>
  reporting([{ name: 'delegate_task_to_all_members', args: { task } }], 'Team')

/** A ledger-recording tool named `name`, with the HITL flags given. */
export const recordingTool = (ledger: Ledger, name: string, flags: Tool.HitlFlags = {}) =>
  Tool.make({
    name,
    description: `The ${name} tool`,
    parameters: Schema.Struct({ target: Schema.String }),
    ...flags,
    execute: ({ target }, ctx) => {
      ledger.record(name, { target }, ctx.idempotencyKey)
      return `${name} done for ${target}`
    },
  })

/** A member agent whose model calls its one tool on `target`, then reports. */
export const member = (
  ledger: Ledger,
  id: string,
  flags: Tool.HitlFlags = {},
  options: { readonly target?: string; readonly tool?: string } = {},
): AgentDefinition => {
  const tool = options.tool ?? `${id}_tool`
  return defineAgent({
    id,
    name: `${id[0]!.toUpperCase()}${id.slice(1)}`,
    model: reporting([{ name: tool, args: { target: options.target ?? 'prod' } }], id),
    tools: [recordingTool(ledger, tool, flags)],
  })
}

export type { Actor }
