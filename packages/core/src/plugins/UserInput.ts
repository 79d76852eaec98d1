import { Either, Schema } from 'effect'
import * as RequirementPlugin from '../RequirementPlugin.js'
import { completeAnswers, UserInputField } from '../UserInputField.js'

const FormRequest = Schema.Struct({ fields: Schema.Array(UserInputField) })

/** Why answers do not fit a form's fields (their types, required ones, allowed values), if they do not. */
export const checkAnswers = (
  request: typeof FormRequest.Type,
  resolution: RequirementPlugin.UserInputAnswer,
): string | undefined =>
  Either.match(completeAnswers(request.fields, resolution.values), {
    onLeft: (reason) => reason,
    onRight: () => undefined,
  })

/**
 * The person fills in arguments the model was not allowed to give (or could not): the tool runs
 * with the model's arguments plus the answers.
 */
export const UserInput = RequirementPlugin.make({
  kind: 'user_input',
  answers: 'user_input',
  request: FormRequest,
  check: checkAnswers,
  outcome: ({ request, resolution, args }) => {
    // The person's answers replace the model's arguments for every field of the form.
    const asked = new Set(request.fields.map((field) => field.name))
    const kept = Object.fromEntries(Object.entries(args).filter(([name]) => !asked.has(name)))
    return RequirementPlugin.Outcome.Execute({
      args: { ...kept, ...Either.getOrThrow(completeAnswers(request.fields, resolution.values)) },
    })
  },
})

/**
 * The model asked the person for fields of its choosing (through the dynamic user input
 * toolkit); the answers are the call's result.
 */
export const DynamicUserInput = RequirementPlugin.make({
  kind: 'dynamic_user_input',
  answers: 'user_input',
  request: FormRequest,
  check: checkAnswers,
  outcome: ({ request, resolution }) => {
    const answers = Either.getOrThrow(completeAnswers(request.fields, resolution.values))
    const pairs = request.fields.map((field) => ({ name: field.name, value: answers[field.name] ?? null }))
    return RequirementPlugin.Outcome.Result({ result: `User inputs retrieved: ${JSON.stringify(pairs)}` })
  },
})
