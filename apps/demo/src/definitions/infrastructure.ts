import { defineAgent, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'
import { modelOr } from '../model.js'
import { lastResultOf, taskOf } from './conversation.js'

/** The person on call picks the maintenance window: a field the model never fills. */
const planChange = Tool.make({
  name: 'plan_change',
  description: 'Plan a production change for a maintenance window',
  parameters: Schema.Struct({ service: Schema.String, change: Schema.String, window: Schema.String }),
  userInputFields: ['window'],
  execute: ({ service, change, window }) => ({
    service,
    steps: [`drain ${service}`, change, `verify ${service} health`],
    window,
  }),
})

/**
 * The agent never touches production: applying the change is handed to a person, who does it
 * in the real system and hands back what happened.
 */
const applyChange = Tool.make({
  name: 'apply_change',
  description: 'Apply a planned change to production',
  parameters: Schema.Struct({ service: Schema.String, change: Schema.String }),
  externalExecution: true,
})

const serviceIn = (task: string) => /\b(?:the\s+)?([a-z][\w-]*)\s+service\b/i.exec(task)?.[1] ?? 'checkout'

/** Plans the change the task names, has it applied outside, and reports the result given back. */
const model = ScriptedModel.make(
  (request) => {
    const task = taskOf(request)
    const service = serviceIn(task)
    const planned = lastResultOf(request, 'plan_change')
    if (planned === undefined)
      return {
        content: `I will plan "${task}" for the ${service} service; pick a maintenance window.`,
        toolCalls: [{ name: 'plan_change', args: { service, change: task } }],
      }
    const applied = lastResultOf(request, 'apply_change')
    if (applied === undefined)
      return {
        content: `The plan is ready (${planned.content}). Applying it is a job for a person.`,
        toolCalls: [{ name: 'apply_change', args: { service, change: task } }],
      }
    return `Done. The operator reports: ${applied.content}`
  },
  { id: 'scripted-infrastructure' },
)

export const infrastructure = defineAgent({
  id: 'infrastructure',
  name: 'Infrastructure',
  instructions:
    'You plan production changes and never apply them yourself. First call plan_change with the service and the ' +
    'change (the person on call picks the maintenance window). Then call apply_change with the same service and ' +
    'change: a person applies it and reports back. Then say what the operator reported.',
  model: modelOr(model),
  tools: [planChange, applyChange],
})
