import { completeAnswers, type UserInputField } from '@countersign/core'

/*
 * A user-input form in the browser: each field is edited as text (a select for booleans) and read
 * back into its type; the answers are then judged by the core's own `completeAnswers`, the rule the
 * server applies, so that nothing it would refuse is sent.
 */

/** A field as the wire carries it (the core's encoded `UserInputField`). */
export type Field = typeof UserInputField.Encoded

/** The text of each field's input, by field name. */
export type FormTexts = Readonly<Record<string, string>>

/** How a value is written in its input: strings as they are, the rest as JSON. */
export const textOf = (value: unknown): string =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)

/** Each field's input, prefilled with the model's value where it gave one. */
export const initialTexts = (fields: ReadonlyArray<Field>): FormTexts =>
  Object.fromEntries(fields.map((field) => [field.name, textOf(field.value)]))

const numeric = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/** A field's text as a value of its type; undefined when left empty; a message when it cannot be one. */
const parse = (field: Field, text: string): { value?: unknown } | { error: string } => {
  if (text.trim() === '') return {}
  switch (field.type) {
    case 'string':
      return { value: text }
    case 'number':
    case 'integer':
      return numeric.test(text.trim())
        ? { value: Number(text.trim()) }
        : { error: field.type === 'integer' ? 'Enter a whole number.' : 'Enter a number.' }
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { error: 'Choose yes or no.' }
    case 'array':
    case 'object':
      try {
        return { value: JSON.parse(text) }
      } catch {
        return { error: `Enter ${field.type === 'array' ? 'a JSON list' : 'a JSON object'}.` }
      }
  }
}

/** The last line of the core's explanation, which names what is wrong with one field's value. */
const reasonOf = (explanation: string) => {
  const leaf =
    explanation
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^[\s└├─│]+/, '') ?? explanation
  return leaf === 'is missing'
    ? 'This field is required.'
    : `${leaf.charAt(0).toUpperCase()}${leaf.slice(1)}.`
}

export type FormReading =
  | { readonly ok: true; readonly values: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> }

/** The answers of a form, or, by field name, why they cannot be sent. Empty fields are not answers. */
export const readForm = (fields: ReadonlyArray<Field>, texts: FormTexts): FormReading => {
  const values: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const parsed = parse(field, texts[field.name] ?? '')
    if ('error' in parsed) {
      errors[field.name] = parsed.error
      continue
    }
    const given = 'value' in parsed ? { [field.name]: parsed.value } : {}
    // A value given is judged as if the field were required, so that the explanation is about
    // the value alone (not also about leaving an optional field out).
    const judged = completeAnswers(['value' in parsed ? { ...field, required: true } : field], given)
    if (judged._tag === 'Left') errors[field.name] = reasonOf(judged.left)
    else Object.assign(values, given)
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values }
}
