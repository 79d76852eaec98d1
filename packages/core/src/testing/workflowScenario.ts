import { Schema } from 'effect'
import { define as defineAgent } from '../Agent.js'
import type { ColdResumeScenario } from './ColdResumeScenario.js'
import * as ScriptedModel from '../ScriptedModel.js'
import * as Tool from '../Tool.js'
import { Workflow } from '../Runners.js'

/*
 * No vitest here: a cold-resume suite's child processes build this workflow too. Its model is
 * scripted and reads what it needs from its run's own transcript, so the workflow continued in
 * a fresh process answers as it would have in the one that paused it.
 */

const Batch = Schema.Struct({ rows: Schema.Number, source: Schema.String })
const decodeBatch = Schema.decodeUnknownSync(Schema.parseJson(Batch))

/**
 * The transformer: asked to transform a batch (the collect step's output, as JSON), it calls
 * `apply_transform` for its rows, which needs a person's confirmation, then reports what the
 * tool said.
 */
const transformer = (effect: (key: string) => Promise<void>) =>
  defineAgent({
    id: 'transformer',
    name: 'Transformer',
    instructions: 'Normalise the batch you are given with apply_transform, then report what it did.',
    model: ScriptedModel.make((request) => {
      const result = request.messages.findLast((message) => message._tag === 'Tool')
      if (result !== undefined) return `Transformed: ${result.content}`
      const batch = decodeBatch(request.messages[0]?.content)
      return { toolCalls: [{ name: 'apply_transform', args: { rows: batch.rows, source: batch.source } }] }
    }),
    tools: [
      Tool.make({
        name: 'apply_transform',
        description: 'Normalises the rows of a batch in the staging warehouse',
        parameters: Batch,
        requiresConfirmation: true,
        execute: async ({ rows, source }) => {
          await effect('transform')
          return `${rows} ${source} rows normalised`
        },
      }),
    ],
  })

/**
 * A nightly data pipeline: collect (a function) → transform (an agent whose tool needs
 * confirmation) → push to production (a function behind a confirmation gate). It pauses twice:
 * for the agent's tool call, then for the push.
 */
export const workflowPipeline: ColdResumeScenario = {
  name: 'a data pipeline pauses for its agent’s tool call, then at its production gate',
  make: (store, effect) =>
    new Workflow({
      id: 'nightly-pipeline',
      name: 'Nightly pipeline',
      store,
      steps: [
        Workflow.step({
          name: 'collect',
          executor: async () => {
            await effect('collect')
            return { rows: 42, source: 'orders' }
          },
        }),
        Workflow.step({ name: 'transform', executor: transformer(effect) }),
        Workflow.step({
          name: 'push',
          requiresConfirmation: true,
          confirmationMessage: 'Push the transformed batch to production?',
          onReject: 'cancel',
          executor: async ({ previousOutput }) => {
            await effect('push')
            return `Pushed to production: ${String(previousOutput)}`
          },
        }),
      ],
    }),
  input: 'Run the nightly orders pipeline',
  decide: (requirement) => requirement.confirm(),
  pauses: 2,
  expectedContent: 'Pushed to production: Transformed: 42 orders rows normalised',
  expectedEffects: ['collect', 'transform', 'push'],
}
