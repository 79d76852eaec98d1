import { Either, Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'
import { completeAnswers, UserInputField } from '../UserInputField.js'
import { checkAnswers } from './UserInput.js'

/**
 * A person fills in a form before a workflow step runs: typed fields, some limited to allowed
 * values. The answers reach the step (a function's `input.userInput`; an agent's or team's
 * input, as "User preferences").
 */
export const StepUserInput = RequirementPlugin.make({
  kind: 'step_user_input',
  answers: 'user_input',
  request: Schema.Struct({ message: Schema.optional(Schema.String), fields: Schema.Array(UserInputField) }),
  check: checkAnswers,
  outcome: ({ request, resolution }) =>
    RequirementPlugin.Outcome.Execute({
      args: Either.getOrThrow(completeAnswers(request.fields, resolution.values)),
    }),
})
