import { Schema } from 'effect'
import { Json } from '../Json.js'
import * as RequirementPlugin from '../RequirementPlugin.js'

/**
 * "This call was running when its process died: run it again?" Raised by `recoverRun` for a call
 * that started and has no result. Confirming runs it again with the arguments it started with
 * and the same idempotency key; rejecting tells the model it may or may not have taken effect.
 */
export const InterruptedCall = RequirementPlugin.make({
  kind: 'interrupted_call',
  answers: 'decision',
  request: Schema.Struct({
    message: Schema.String,
    /** The arguments the call started with. */
    args: Schema.Record({ key: Schema.String, value: Json }),
    idempotencyKey: Schema.String,
  }),
  outcome: ({ call, request, resolution }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args: request.args })
      : RequirementPlugin.declined(
          resolution.note,
          `The call to ${call.name} was interrupted and not run again; it may or may not have taken effect.`,
        ),
})
