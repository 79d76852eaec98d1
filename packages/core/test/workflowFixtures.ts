import { Effect, Schema } from 'effect'
import {
  defineAgent,
  defineTeam,
  type RunEvent,
  type RunStore,
  ScriptedModel,
  type StepInput,
  Tool,
} from '../src/index.js'
import type { Ledger } from './fixtures.js'

/*
 * The step functions of Agno's workflow HITL tests, and agents and teams whose tools pause, for
 * the workflow tests.
 */

/** A value as text: strings as they are, anything else as JSON. */
export const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

export const fetchData = () => 'Fetched data from source'

export const processData = ({ userInput }: StepInput) =>
  `Processed data with preference: ${text(userInput?.preference ?? 'default')}`

export const saveData = ({ previousOutput }: StepInput) =>
  `Data saved: ${previousOutput === undefined ? 'no previous content' : text(previousOutput)}`

/** A draft that takes a reviewer's feedback into account. */
export const draftProposal = ({ rejection }: StepInput) =>
  rejection?.feedback === undefined
    ? '[Draft] Initial project proposal'
    : `[Revised draft] Addressed feedback: ${rejection.feedback}`

export const finalize = ({ previousOutput }: StepInput) => `[Final] ${text(previousOutput ?? '')}`

/** A step function that records each time it runs (with its idempotency key) and answers `output`. */
export const counted =
  (ledger: Ledger, name: string, output: unknown = `${name} done`) =>
  (_input: StepInput, context: { readonly idempotencyKey: string }) => {
    ledger.record(name, {}, context.idempotencyKey)
    return output
  }

export const eventsOf = (store: RunStore, runId: string) => Effect.runPromise(store.readEvents(runId, 0))

/** The workflow's own events, as `tag:stepName` (or the tag alone), in order. */
export const stepTrail = (events: ReadonlyArray<RunEvent>) =>
  events.map((event) => ('stepName' in event ? `${event._tag}:${event.stepName}` : event._tag))

/** What each step completed with, by step key. */
export const outputsOf = (events: ReadonlyArray<RunEvent>) =>
  Object.fromEntries(
    events.flatMap((event) =>
      event._tag === 'StepCompleted' ? [[event.stepKey, event.output] as const] : [],
    ),
  )

/** A tool that needs confirmation and records its runs. */
export const gatedTool = (ledger: Ledger, name: string) =>
  Tool.make({
    name,
    description: `Does ${name}`,
    parameters: Schema.Struct({ target: Schema.String }),
    requiresConfirmation: true,
    execute: ({ target }, context) => {
      ledger.record(name, { target }, context.idempotencyKey)
      return `${name} done for ${target}`
    },
  })

/**
 * An agent that calls `tool` (which needs confirmation) on its first turn, then answers with
 * what the tool said, read from its own transcript (so a fresh process answers the same).
 */
export const gatedAgent = (ledger: Ledger, id = 'writer', tool = 'publish_draft') => {
  const model = ScriptedModel.make((request) => {
    const result = request.messages.findLast((message) => message._tag === 'Tool')
    return result === undefined
      ? { toolCalls: [{ name: tool, args: { target: 'the blog' } }] }
      : `${id} finished: ${result.content}`
  })
  return { agent: defineAgent({ id, name: `The ${id}`, model, tools: [gatedTool(ledger, tool)] }), model }
}

/** A team whose leader hands the task to `member` and reports what it said. */
export const teamOf = (id: string, member: ReturnType<typeof gatedAgent>['agent']) =>
  defineTeam({
    id,
    model: ScriptedModel.make((request) => {
      const result = request.messages.findLast((message) => message._tag === 'Tool')
      return result === undefined
        ? {
            toolCalls: [
              { name: 'delegate_task_to_member', args: { member_id: member.id, task: 'publish it' } },
            ],
          }
        : `${id}: ${result.content}`
    }),
    members: [member],
  })
