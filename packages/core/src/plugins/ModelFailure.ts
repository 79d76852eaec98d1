import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

/**
 * "The model failed to answer (a rate limit, a server error, a timeout): ask it again?" Raised
 * by the run itself when its model fails in a way that asking again may fix, so that nothing
 * already decided or executed is lost: confirming asks the model again from where the run
 * stopped; rejecting ends the run as failed, with the model's error (or the note).
 */
export const ModelFailure = RequirementPlugin.make({
  kind: 'model_failure',
  answers: 'decision',
  request: Schema.Struct({
    message: Schema.String,
    model: Schema.String,
    /** What the model's client said went wrong. */
    reason: Schema.String,
    status: Schema.optional(Schema.Int),
    code: Schema.optional(Schema.String),
  }),
  outcome: ({ call, request, resolution }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args: call.args })
      : RequirementPlugin.declined(resolution.note, `Model "${request.model}" failed: ${request.reason}`),
})
