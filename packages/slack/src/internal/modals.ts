import { completeAnswers, type JsonValue, type UserInputField } from '@countersign/core'
import { Either } from 'effect'
import { callbackIds, encodeRef, type RequirementRef } from './actions.js'
import type { InputState, StateValues } from './payloads.js'
import { truncate } from './text.js'

/*
 * The modals a button opens (reject with a note, fill in a form, hand back a result), and what a
 * submitted one says: a resolution value, or errors by input block that Slack shows under the
 * inputs (`response_action: 'errors'`).
 */

const plain = (text: string, max: number) => ({ type: 'plain_text', text: truncate(text, max) })

const modal = (
  callbackId: string,
  ref: RequirementRef,
  title: string,
  submit: string,
  blocks: ReadonlyArray<unknown>,
) => ({
  type: 'modal',
  callback_id: callbackId,
  private_metadata: encodeRef(ref),
  title: plain(title, 24),
  submit: plain(submit, 24),
  close: plain('Cancel', 24),
  blocks,
})

const textInput = (
  blockId: string,
  label: string,
  options: { optional: boolean; multiline?: boolean; initial?: string; hint?: string },
) => ({
  type: 'input',
  block_id: blockId,
  optional: options.optional,
  label: plain(label, 2000),
  ...(options.hint === undefined ? {} : { hint: plain(options.hint, 2000) }),
  element: {
    type: 'plain_text_input',
    action_id: 'value',
    multiline: options.multiline ?? false,
    ...(options.initial === undefined ? {} : { initial_value: options.initial }),
  },
})

export const rejectModal = (ref: RequirementRef, title: string) =>
  modal(callbackIds.reject, ref, 'Reject', 'Reject', [
    { type: 'section', text: plain(title, 3000) },
    textInput('note', 'Why? (the agent is told)', { optional: true, multiline: true }),
  ])

export const resultModal = (ref: RequirementRef, title: string) =>
  modal(callbackIds.result, ref, 'Hand back a result', 'Hand back', [
    { type: 'section', text: plain(title, 3000) },
    textInput('result', 'Result (JSON, or text)', { optional: true, multiline: true }),
    textInput('error', 'Or: why it failed', { optional: true, multiline: true }),
  ])

/** A form's input block for each field: `field_<n>`, in the fields' order. */
const fieldBlockId = (index: number) => `field_${index}`

const optionOf = (value: JsonValue) => ({
  text: plain(typeof value === 'string' ? value : JSON.stringify(value), 75),
  value: JSON.stringify(value),
})

/** Slack's select menus take at most 100 options of at most 150 characters each. */
const selectable = (values: ReadonlyArray<JsonValue>) =>
  values.length <= 100 && values.every((value) => JSON.stringify(value).length <= 150)

const fieldInput = (field: UserInputField, index: number) => {
  const choices: ReadonlyArray<JsonValue> | undefined =
    (field.allowedValues as ReadonlyArray<JsonValue> | undefined) ??
    (field.type === 'boolean' ? [true, false] : undefined)
  const label = plain(field.name, 2000)
  const base = {
    type: 'input',
    block_id: fieldBlockId(index),
    optional: !field.required,
    label,
    ...(field.description === undefined ? {} : { hint: plain(field.description, 2000) }),
  }
  if (choices !== undefined && selectable(choices)) {
    const initial = choices.find((choice) => JSON.stringify(choice) === JSON.stringify(field.value))
    return {
      ...base,
      element: {
        type: 'static_select',
        action_id: 'value',
        options: choices.map(optionOf),
        ...(initial === undefined ? {} : { initial_option: optionOf(initial) }),
      },
    }
  }
  if (field.type === 'number' || field.type === 'integer')
    return {
      ...base,
      element: {
        type: 'number_input',
        action_id: 'value',
        is_decimal_allowed: field.type === 'number',
        ...(typeof field.value === 'number' ? { initial_value: String(field.value) } : {}),
      },
    }
  const json = field.type !== 'string'
  const initial =
    field.value === undefined
      ? undefined
      : typeof field.value === 'string' && !json
        ? field.value
        : JSON.stringify(field.value)
  return textInput(fieldBlockId(index), field.name, {
    optional: !field.required,
    multiline: json,
    ...(initial === undefined ? {} : { initial }),
    ...(json || field.description !== undefined
      ? { hint: [field.description, json ? `As JSON (${field.type}).` : undefined].filter(Boolean).join(' ') }
      : {}),
  })
}

export const formModal = (ref: RequirementRef, title: string, fields: ReadonlyArray<UserInputField>) =>
  modal(callbackIds.fill, ref, 'Fill in', 'Submit', [
    { type: 'section', text: plain(title, 3000) },
    ...fields.map(fieldInput),
  ])

/** What was typed or picked in a block, trimmed; undefined when left empty. */
const inputOf = (values: StateValues, blockId: string): InputState | undefined => values[blockId]?.['value']

const textOf = (values: StateValues, blockId: string) => {
  const text = inputOf(values, blockId)?.value
  return text === undefined || text === null || text.trim() === '' ? undefined : text
}

const parseJson = (text: string): Either.Either<JsonValue, string> => {
  try {
    return Either.right(JSON.parse(text) as JsonValue)
  } catch {
    return Either.left('This is not valid JSON')
  }
}

/** Per-block errors, or the value: what a submission resolves to. */
export type Submission = Either.Either<JsonValue, Readonly<Record<string, string>>>

export const rejection = (values: StateValues): Submission => {
  const note = textOf(values, 'note')
  return Either.right(note === undefined ? { approved: false } : { approved: false, note })
}

export const handedBack = (values: StateValues): Submission => {
  const result = textOf(values, 'result')
  const error = textOf(values, 'error')
  if ((result === undefined) === (error === undefined))
    return Either.left({ result: 'Give a result, or say why it failed (one of the two)' })
  if (error !== undefined) return Either.right({ error })
  // Text that is not JSON is handed back as the text itself.
  return Either.right({ result: Either.getOrElse(parseJson(result!), () => result!) })
}

/** A field's answer from its input, as its type wants it; Left: why it cannot be. */
const fieldAnswer = (
  field: UserInputField,
  state: InputState | undefined,
): Either.Either<unknown, string> => {
  if (state?.selected_option !== undefined && state.selected_option !== null)
    return parseJson(state.selected_option.value)
  const text = state?.value
  if (text === undefined || text === null || text.trim() === '') return Either.right(undefined)
  if (field.type === 'string') return Either.right(text)
  if (field.type === 'number' || field.type === 'integer') {
    const number = Number(text)
    return Number.isFinite(number) ? Either.right(number) : Either.left('This is not a number')
  }
  return parseJson(text)
}

/** The form's answers (checked by the core's one rule for forms), or errors under the fields they concern. */
export const answers = (fields: ReadonlyArray<UserInputField>, values: StateValues): Submission => {
  const errors: Record<string, string> = {}
  const given: Record<string, unknown> = {}
  fields.forEach((field, index) => {
    Either.match(fieldAnswer(field, inputOf(values, fieldBlockId(index))), {
      onLeft: (problem) => (errors[fieldBlockId(index)] = problem),
      onRight: (answer) => {
        if (answer !== undefined) given[field.name] = answer
        // Each field judged alone, so its problem is shown under it.
        Either.match(completeAnswers([field], answer === undefined ? {} : { [field.name]: answer }), {
          onLeft: (problem) => (errors[fieldBlockId(index)] = problem),
          onRight: () => undefined,
        })
      },
    })
  })
  return Object.keys(errors).length > 0
    ? Either.left(errors)
    : Either.right({ values: given as Record<string, JsonValue> })
}
