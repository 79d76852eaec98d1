import { defineAgent, defineWorkflow, ScriptedModel, Workflow } from '@countersign/core'
import { modelOr } from '../model.js'
import { taskOf } from './conversation.js'

const datasets = {
  orders: [
    { id: 'A-1001', total: 42.5, status: 'delivered' },
    { id: 'A-1002', total: 310, status: 'refunded' },
    { id: 'A-1003', total: 18.9, status: 'delivered' },
  ],
  refunds: [
    { id: 'R-77', total: 40, status: 'paid' },
    { id: 'R-78', total: 180, status: 'pending approval' },
  ],
}

/** Summarises the rows it is given (the previous step's output is its input). */
const transformer = defineAgent({
  id: 'transformer',
  name: 'Transformer',
  instructions: 'You turn the raw rows you are given into a one-line report for the production dashboard.',
  model: modelOr(
    ScriptedModel.make(
      (request) => {
        const rows = (taskOf(request).match(/"id"/g) ?? []).length
        return `Report: ${rows} rows cleaned, totals rounded, statuses normalised.`
      },
      { id: 'scripted-transformer' },
    ),
  ),
})

/**
 * Collect → transform → push to production. Someone picks the data set, and nothing reaches
 * production before a person looked at the report and confirmed.
 */
export const dataPipeline = defineWorkflow({
  id: 'data-pipeline',
  name: 'Data pipeline',
  steps: [
    Workflow.step({
      name: 'collect',
      requiresUserInput: true,
      userInputMessage: 'Which data set should the pipeline publish?',
      userInputSchema: [
        { name: 'dataset', type: 'string', allowedValues: ['orders', 'refunds'] },
        { name: 'limit', type: 'integer', description: 'At most this many rows', required: false },
      ],
      executor: ({ userInput }) => {
        const dataset = userInput?.dataset === 'refunds' ? 'refunds' : 'orders'
        const limit = typeof userInput?.limit === 'number' ? userInput.limit : undefined
        return JSON.stringify(datasets[dataset].slice(0, limit))
      },
    }),
    Workflow.step({ name: 'transform', executor: transformer }),
    Workflow.step({
      name: 'push',
      requiresConfirmation: true,
      confirmationMessage: 'Push this report to the production dashboard?',
      onReject: 'cancel',
      executor: ({ previousOutput }, { idempotencyKey }) =>
        `Published to production (deployment ${idempotencyKey}): ${String(previousOutput)}`,
    }),
  ],
})
