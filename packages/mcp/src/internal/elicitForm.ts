import { type UserInputField } from '@countersign/core'
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js'
import { Either } from 'effect'

/*
 * An MCP form elicitation as a Countersign user-input form, and the person's answer as the
 * server's `ElicitResult`. The requested schema is the server's: untrusted. Only the restricted
 * schema the specification allows is rendered (a flat object of strings, numbers, integers,
 * booleans, single- and multi-select enums); anything else is cancelled, never guessed at.
 */

/** The form field that says what the person does: send the answers, decline, or cancel. */
export const responseField = 'response'
const responses = ['accept', 'decline', 'cancel'] as const
type Response = (typeof responses)[number]

type RequestedSchema = ElicitRequestFormParams['requestedSchema']
type Property = Readonly<Record<string, unknown>>

/** How many fields a server may ask for at once, and how long its texts may be. */
const maxFields = 50
const maxText = 2_000

const clip = (text: string) => (text.length > maxText ? `${text.slice(0, maxText)}…` : text)

/** The values a select offers: `enum`, or `oneOf`/`anyOf` of `{ const }` (titled enums). */
const choices = (property: Property): ReadonlyArray<unknown> | undefined => {
  if (Array.isArray(property.enum)) return property.enum as ReadonlyArray<unknown>
  const titled: unknown = property.oneOf ?? property.anyOf
  return Array.isArray(titled) ? (titled as ReadonlyArray<Property>).map((option) => option.const) : undefined
}

const isChoiceList = (values: ReadonlyArray<unknown> | undefined): values is ReadonlyArray<string> =>
  values !== undefined && values.length > 0 && values.every((value) => typeof value === 'string')

/** Titled choices (`oneOf` of `{ const, title }`), as a person reads them: `hero-1 = Superman, …`. */
const titlesOf = (property: Property): string | undefined => {
  const titled: unknown = property.oneOf ?? property.anyOf
  if (!Array.isArray(titled)) return undefined
  const named = (titled as ReadonlyArray<Property>).filter((option) => typeof option.title === 'string')
  return named.length === 0
    ? undefined
    : named.map((option) => `${String(option.const)} = ${String(option.title)}`).join(', ')
}

const fieldOf = (name: string, property: Property): Either.Either<UserInputField, string> => {
  const items = (property.items ?? {}) as Property
  const listed = property.type === 'array' ? choices(items) : undefined
  const described = [
    property.title,
    property.description,
    titlesOf(property.type === 'array' ? items : property),
    listed === undefined ? undefined : `a list of: ${listed.map(String).join(', ')}`,
  ].filter((text) => typeof text === 'string')
  const base = {
    name,
    required: false,
    ...(described.length === 0 ? {} : { description: clip(described.join('; ')) }),
    ...(property.default === undefined ? {} : { value: property.default }),
  }
  switch (property.type) {
    case 'string': {
      const options = choices(property)
      if (options === undefined) return Either.right({ ...base, type: 'string' })
      return isChoiceList(options)
        ? Either.right({ ...base, type: 'string', allowedValues: [...options] })
        : Either.left(`${name} offers choices that are not text`)
    }
    case 'number':
    case 'integer':
    case 'boolean':
      return Either.right({ ...base, type: property.type })
    case 'array': {
      return isChoiceList(listed)
        ? Either.right({ ...base, type: 'array' })
        : Either.left(`${name} is a list of something other than choices`)
    }
    default:
      return Either.left(`${name} is of a type a form cannot ask for`)
  }
}

/** The form a requested schema asks for, or why it cannot be shown (and is cancelled). */
export const formOf = (schema: RequestedSchema): Either.Either<Array<UserInputField>, string> => {
  const entries = Object.entries(schema.properties as Readonly<Record<string, Property>>)
  if (entries.length > maxFields) return Either.left(`it asks for more than ${maxFields} fields`)
  if (entries.some(([name]) => name === responseField))
    return Either.left(`it asks for a field named "${responseField}", which the form keeps for the response`)
  const fields = Either.all(entries.map(([name, property]) => fieldOf(name, property)))
  return Either.map(fields, (each) => [
    {
      name: responseField,
      type: 'string',
      required: true,
      description: 'accept sends the answers; decline or cancel sends none',
      value: 'accept',
      allowedValues: [...responses],
    },
    ...each,
  ])
}

const formats: Readonly<Record<string, (text: string) => boolean>> = {
  email: (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text),
  uri: (text) => URL.canParse(text) && /^[a-z][a-z0-9+.-]*:/i.test(text),
  date: (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)),
  'date-time': (text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)),
}

const numberProblem = (name: string, property: Property, value: number) => {
  if (property.type === 'integer' && !Number.isSafeInteger(value)) return `${name} must be a whole number`
  if (typeof property.minimum === 'number' && value < property.minimum)
    return `${name} must be at least ${property.minimum}`
  if (typeof property.maximum === 'number' && value > property.maximum)
    return `${name} must be at most ${property.maximum}`
  return undefined
}

const stringProblem = (name: string, property: Property, value: string) => {
  if (typeof property.minLength === 'number' && value.length < property.minLength)
    return `${name} must be at least ${property.minLength} characters`
  if (typeof property.maxLength === 'number' && value.length > property.maxLength)
    return `${name} must be at most ${property.maxLength} characters`
  const format = typeof property.format === 'string' ? formats[property.format] : undefined
  if (format !== undefined && !format(value)) return `${name} must be a valid ${String(property.format)}`
  const options = choices(property)
  if (options !== undefined && !options.includes(value))
    return `${name} must be one of ${JSON.stringify(options)}`
  return undefined
}

const listProblem = (name: string, property: Property, value: ReadonlyArray<unknown>) => {
  const options = choices((property.items ?? {}) as Property) ?? []
  if (!value.every((item) => options.includes(item)))
    return `${name} must hold only ${JSON.stringify(options)}`
  if (typeof property.minItems === 'number' && value.length < property.minItems)
    return `${name} must have at least ${property.minItems} choices`
  if (typeof property.maxItems === 'number' && value.length > property.maxItems)
    return `${name} must have at most ${property.maxItems} choices`
  return undefined
}

/** What is wrong with an accepted answer against the server's own schema, beyond the form's types; undefined when nothing. */
const contentProblem = (schema: RequestedSchema, content: Readonly<Record<string, unknown>>) => {
  const properties = schema.properties as Readonly<Record<string, Property>>
  const problems = [
    ...(schema.required ?? []).flatMap((name) =>
      content[name] === undefined ? [`${name} is required`] : [],
    ),
    ...Object.entries(content).flatMap(([name, value]) => {
      const property = properties[name]
      if (property === undefined) return [`${name} is not a field of this form`]
      const problem =
        typeof value === 'number'
          ? numberProblem(name, property, value)
          : typeof value === 'string'
            ? stringProblem(name, property, value)
            : Array.isArray(value)
              ? listProblem(name, property, value)
              : undefined
      return problem === undefined ? [] : [problem]
    }),
  ]
  return problems.length === 0 ? undefined : problems.join('; ')
}

/**
 * The answer to send back, from the person's values (already checked against the form's types),
 * or what is wrong with it. Declining or cancelling sends no content, whatever else was filled in.
 */
export const resultOf = (
  schema: RequestedSchema,
  values: Readonly<Record<string, unknown>>,
): Either.Either<ElicitResult, string> => {
  const { [responseField]: response = 'accept', ...content } = values
  if (response !== 'accept') return Either.right({ action: response as Exclude<Response, 'accept'> })
  const problem = contentProblem(schema, content)
  return problem === undefined
    ? Either.right({ action: 'accept', content: content as ElicitResult['content'] })
    : Either.left(problem)
}
