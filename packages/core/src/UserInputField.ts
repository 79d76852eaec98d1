import { Either, ParseResult, Schema } from 'effect'
import { Json } from './Json.js'

/** The value types a person can be asked for. */
export const FieldType = Schema.Literal('string', 'number', 'integer', 'boolean', 'array', 'object')
export type FieldType = typeof FieldType.Type

/** One field of a user-input form. `value` is a prefill (the model's argument) when present. */
export const UserInputField = Schema.Struct({
  name: Schema.NonEmptyString,
  type: FieldType,
  description: Schema.optional(Schema.String),
  required: Schema.Boolean,
  value: Schema.optional(Schema.Unknown),
  /** The only values accepted, when the person picks from a list. */
  allowedValues: Schema.optional(Schema.Array(Json)),
})
export type UserInputField = typeof UserInputField.Type

const valueSchema = (type: FieldType): Schema.Schema.AnyNoContext => {
  switch (type) {
    case 'string':
      return Schema.String
    case 'number':
      return Schema.Number
    case 'integer':
      return Schema.Int
    case 'boolean':
      return Schema.Boolean
    case 'array':
      return Schema.Array(Schema.Unknown)
    case 'object':
      return Schema.Record({ key: Schema.String, value: Schema.Unknown })
  }
}

/**
 * The schema a form's answers must satisfy: every field typed, required ones present, no
 * unknown names. Prefilled values count as answers, so callers merge them in first.
 */
const answersSchema = (fields: ReadonlyArray<UserInputField>) =>
  Schema.Struct(
    Object.fromEntries(
      fields.map((field) => {
        const schema = valueSchema(field.type)
        return [field.name, field.required ? schema : Schema.optional(schema)] as const
      }),
    ),
  )

/** The fields whose answer is not one of their allowed values. */
const notAllowed = (fields: ReadonlyArray<UserInputField>, answers: Readonly<Record<string, unknown>>) =>
  fields.flatMap((field) => {
    const answer = answers[field.name]
    if (field.allowedValues === undefined || answer === undefined) return []
    const text = JSON.stringify(answer)
    return field.allowedValues.some((allowed) => JSON.stringify(allowed) === text)
      ? []
      : [`${field.name} must be one of ${JSON.stringify(field.allowedValues)}, not ${text}`]
  })

/** The form's answers with prefills filled in, or why they do not fit the fields. */
export const completeAnswers = (
  fields: ReadonlyArray<UserInputField>,
  values: Readonly<Record<string, unknown>>,
): Either.Either<Record<string, unknown>, string> => {
  const prefilled = Object.fromEntries(
    fields.flatMap((field) => (field.value === undefined ? [] : [[field.name, field.value] as const])),
  )
  return Schema.decodeUnknownEither(answersSchema(fields), { onExcessProperty: 'error', errors: 'all' })({
    ...prefilled,
    ...values,
  }).pipe(
    Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error)),
    Either.flatMap((answers) => {
      const refused = notAllowed(fields, answers)
      return refused.length === 0 ? Either.right(answers) : Either.left(refused.join('; '))
    }),
  )
}
