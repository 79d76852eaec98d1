import { type AgentSpec, Resolutions, type RunOutput, ScriptedModel, Tool } from '@countersign/core'
import { Schema } from 'effect'

/**
 * An agent whose model calls the gated tool on every turn, so each resume runs it once and pauses
 * again; each run of the tool is recorded in `executions`.
 */
export const cycler = (executions: Array<string> = []): AgentSpec => ({
  id: 'cycler',
  model: ScriptedModel.make(() => ({ toolCalls: [{ name: 'transfer', args: { amount: 1 } }] })),
  tools: [
    Tool.make({
      name: 'transfer',
      description: 'Move money between accounts',
      parameters: Schema.Struct({ amount: Schema.Number }),
      requiresConfirmation: true,
      execute: ({ amount }, ctx) => {
        executions.push(ctx.toolCallId)
        return `moved ${amount}`
      },
    }),
  ],
})

/** Confirms every pending call of a paused run: what continues it for one more cycle. */
export const confirmAll = (paused: RunOutput) => ({
  runId: paused.runId,
  resolutions: paused.activeRequirements.map((requirement) => Resolutions.confirm(requirement.id)),
})
