import { Either, Schema } from 'effect'
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

/** What a value of each type is called, for a person: `guests must be a number`. */
const typeNames: Readonly<Record<FieldType, string>> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
}

const isOfType = (type: FieldType, value: unknown): boolean => {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number'
    case 'integer':
      return Number.isSafeInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
  }
}

/** A value as the person gave it, quoted the way JSON writes it; `undefined` has no JSON of its own. */
const shown = (value: unknown) => JSON.stringify(value) ?? String(value)

/** Text of blanks only: it says nothing, so it does not answer a required field. */
const isBlank = (value: unknown) => typeof value === 'string' && value.trim() === ''

/** What is wrong with one field's answer, in words naming the field; undefined when nothing is. */
const problemOf = (field: UserInputField, answer: unknown): string | undefined => {
  if (answer === undefined || (field.required && isBlank(answer)))
    return field.required ? `${field.name} is required` : undefined
  if (!isOfType(field.type, answer))
    return `${field.name} must be ${typeNames[field.type]}, not ${shown(answer)}`
  if (field.allowedValues === undefined) return undefined
  const text = JSON.stringify(answer)
  return field.allowedValues.some((allowed) => JSON.stringify(allowed) === text)
    ? undefined
    : `${field.name} must be one of ${JSON.stringify(field.allowedValues)}, not ${text}`
}

/**
 * The form's answers with prefills filled in, or every problem with them at once, in words:
 * `window is required; guests must be a number, not "abc"`. Required means given and not blank;
 * a value must be of its field's type and, when the field lists them, one of its allowed values;
 * a name the form does not have is refused. This is the one rule every surface applies.
 */
export const completeAnswers = (
  fields: ReadonlyArray<UserInputField>,
  values: Readonly<Record<string, unknown>>,
): Either.Either<Record<string, unknown>, string> => {
  const answers = fields.map((field) => {
    const answer = Object.hasOwn(values, field.name) ? values[field.name] : field.value
    return { field, answer, problem: problemOf(field, answer) }
  })
  const known = new Set(fields.map((field) => field.name))
  const problems = [
    ...answers.flatMap(({ problem }) => (problem === undefined ? [] : [problem])),
    ...Object.keys(values).flatMap((name) =>
      known.has(name) ? [] : [`${name} is not a field of this form`],
    ),
  ]
  return problems.length === 0
    ? Either.right(
        Object.fromEntries(
          answers.flatMap(({ field, answer }) =>
            answer === undefined ? [] : [[field.name, answer] as const],
          ),
        ),
      )
    : Either.left(problems.join('; '))
}
