import { completeAnswers, type UserInputField } from '@countersign/core'

/*
 * A user-input form in the browser: each field is edited as text (a select for booleans) and read
 * back into its type; the answers are then judged by the core's own `completeAnswers`, the rule the
 * server applies, so that nothing it would refuse is sent, and what is wrong is said in its words.
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

/**
 * A field's text as a value of its type when it reads as one; else the text itself, for the core
 * to say what is wrong with it; undefined when left blank.
 */
const parse = (field: Field, text: string): unknown => {
  if (text.trim() === '') return undefined
  switch (field.type) {
    case 'string':
      return text
    case 'number':
    case 'integer':
      return numeric.test(text.trim()) ? Number(text.trim()) : text
    case 'boolean':
      return text === 'true' || text === 'false' ? text === 'true' : text
    case 'array':
    case 'object':
      try {
        return JSON.parse(text) as unknown
      } catch {
        return text
      }
  }
}

/** The core's words about one field, as a sentence: `Nights must be a whole number, not "two".` */
const sentence = (problem: string) => `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`

export type FormReading =
  | { readonly ok: true; readonly values: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> }

/**
 * The answers of a form, or, by field name, why they cannot be sent: every field's problem at
 * once, in the core's words, the ones the server would answer with. Blank fields are not answers.
 */
export const readForm = (fields: ReadonlyArray<Field>, texts: FormTexts): FormReading => {
  const values: Record<string, unknown> = {}
  const errors: Record<string, string> = {}
  for (const field of fields) {
    const value = parse(field, texts[field.name] ?? '')
    const given = value === undefined ? {} : { [field.name]: value }
    // One field at a time, so that each problem lands under its own input.
    const judged = completeAnswers([field], given)
    if (judged._tag === 'Left') errors[field.name] = sentence(judged.left)
    else Object.assign(values, given)
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values }
}
