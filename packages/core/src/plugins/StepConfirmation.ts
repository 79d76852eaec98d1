import { Schema } from 'effect'
import { Json } from '../Json.js'
import * as RequirementPlugin from '../RequirementPlugin.js'
import { StepType } from '../RunEvent.js'

/**
 * "Should this step run?", asked before a workflow step (or a condition, a loop, a sequence)
 * starts, with what a person filled into the step's form, if it has one. Confirmed, it goes
 * ahead; rejected, the workflow does what the step's `onReject` says, with the note as the
 * reviewer's feedback.
 */
export const StepConfirmation = RequirementPlugin.make({
  kind: 'step_confirmation',
  answers: 'decision',
  request: Schema.Struct({
    message: Schema.optional(Schema.String),
    stepType: StepType,
    /** The step's form as answered: what the confirmation lets through. */
    input: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  }),
  outcome: ({ resolution, args }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args })
      : RequirementPlugin.Outcome.Skip({ message: resolution.note ?? '' }),
})
