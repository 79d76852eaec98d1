import { Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'

/** "Should this proceed?": the person confirms the call, or rejects it with an optional note. */
export const Confirmation = RequirementPlugin.make({
  kind: 'confirmation',
  answers: 'decision',
  request: Schema.Struct({ message: Schema.optional(Schema.String) }),
  outcome: ({ call, resolution, args }) =>
    resolution.approved
      ? RequirementPlugin.Outcome.Execute({ args })
      : RequirementPlugin.Outcome.Skip({ message: rejectionMessage(call.name, resolution.note) }),
})

/** What the model is told when a person declines a call: their note, or a plain sentence. */
const rejectionMessage = (toolName: string, note: string | undefined) =>
  note !== undefined && note.trim() !== ''
    ? note
    : `The user rejected the call to ${toolName}; it was not executed.`
