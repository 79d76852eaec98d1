import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

/**
 * "Should this proceed?": the person confirms the call (as it is, or with the arguments they
 * changed), or rejects it with an optional note.
 */
export const Confirmation = RequirementPlugin.make({
  kind: 'confirmation',
  answers: 'decision',
  request: Schema.Struct({ message: Schema.optional(Schema.String) }),
  editsArguments: true,
  outcome: ({ call, resolution, args }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args: resolution.args ?? args })
      : RequirementPlugin.declined(
          resolution.note,
          `The user rejected the call to ${call.name}; it was not executed.`,
        ),
})
