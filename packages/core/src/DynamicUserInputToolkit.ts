import { Schema } from 'effect'
import { DynamicUserInput } from './plugins/UserInput.js'
import * as Tool from './Tool.js'
import * as Toolkit from './Toolkit.js'
import { FieldType } from './UserInputField.js'

const AskedField = Schema.Struct({
  name: Schema.NonEmptyString.annotations({ description: 'The field name, in snake_case.' }),
  type: FieldType,
  description: Schema.optional(Schema.String.annotations({ description: 'What to ask the user.' })),
})

/**
 * A toolkit whose one tool, `get_user_input`, lets the model ask the user for fields of its
 * choosing. The run pauses with a `dynamic_user_input` requirement; the answers come back to
 * the model as the tool's result.
 */
export const dynamicUserInput = (): Toolkit.Toolkit =>
  Toolkit.make({
    name: 'dynamic_user_input',
    tools: [
      Tool.make({
        name: 'get_user_input',
        description:
          'Ask the user for information you need and cannot work out yourself. List each field you need; ' +
          "the run waits for the answers, which you receive as this call's result.",
        parameters: Schema.Struct({ fields: Schema.Array(AskedField).pipe(Schema.minItems(1)) }),
        requires: (args) => {
          const fields = Schema.decodeUnknownSync(Schema.Array(AskedField))(args.fields)
          return [DynamicUserInput.need({ fields: fields.map((field) => ({ ...field, required: true })) })]
        },
      }),
    ],
  })
