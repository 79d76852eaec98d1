import { Schema } from 'effect'
import { Json } from '../Json.js'
import * as RequirementPlugin from '../RequirementPlugin.js'
import { StepType } from '../RunEvent.js'

const Review = Schema.Union(
  Schema.Struct({ decision: Schema.Literal('approve') }),
  Schema.Struct({ decision: Schema.Literal('reject'), feedback: Schema.optional(Schema.String) }),
  Schema.Struct({ decision: Schema.Literal('edit'), output: Json }),
)
export type Review = typeof Review.Type

/**
 * A person reviews what a workflow step (a router's routes, a loop's iteration) produced:
 * approved, it goes on as it is; edited, the edit goes on instead; rejected, the workflow does
 * what the step's `onReject` says (`retry` runs it again with the feedback and this output).
 * Answer with `requirement.resolve(approveOutput())`, `rejectOutput(feedback)` or `editOutput(output)`.
 */
export const OutputReview = RequirementPlugin.make({
  kind: 'step_output_review',
  answers: 'custom',
  request: Schema.Struct({
    message: Schema.optional(Schema.String),
    stepType: StepType,
    /** What is reviewed. */
    output: Json,
    /** Which iteration, when a loop's iteration is reviewed. */
    iteration: Schema.optional(Schema.Int),
  }),
  resolution: Review,
  outcome: ({ request, resolution }) => {
    switch (resolution.decision) {
      case 'approve':
        return RequirementPlugin.Outcome.Result({ result: request.output })
      case 'edit':
        return RequirementPlugin.Outcome.Result({ result: resolution.output })
      case 'reject':
        return RequirementPlugin.Outcome.Skip({ message: resolution.feedback ?? '' })
    }
  },
})

export const approveOutput = (): Review => ({ decision: 'approve' })

/** Rejects the output; with `retry`, the step runs again and is told the feedback. */
export const rejectOutput = (feedback?: string): Review =>
  feedback === undefined ? { decision: 'reject' } : { decision: 'reject', feedback }

/** Replaces the output with the person's own. */
export const editOutput = (output: unknown): Review => ({ decision: 'edit', output })
