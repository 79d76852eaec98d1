import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { answers, formModal } from '../src/internal/modals.js'

// The form a person fills in Slack, generated from the requirement's fields, and read back.
const fields = [
  { name: 'size', type: 'string' as const, required: true, allowedValues: ['s', 'm', 'l'], value: 'm' },
  { name: 'gift', type: 'boolean' as const, required: false },
  { name: 'tags', type: 'array' as const, required: false, description: 'Labels' },
]
const ref = { runId: 'run-1', requirementId: 'req-1' }

describe('the form modal', () => {
  it('offers allowed values and booleans as selects (prefilled), other JSON types as JSON text', () => {
    const view = formModal(ref, 'Needed:', fields)
    const inputs = view.blocks.slice(1) as ReadonlyArray<Record<string, Record<string, unknown>>>
    expect(inputs.map((block) => block['element']!['type'])).toEqual([
      'static_select',
      'static_select',
      'plain_text_input',
    ])
    expect(inputs[0]!['element']).toMatchObject({
      options: [{ value: '"s"' }, { value: '"m"' }, { value: '"l"' }],
      initial_option: { value: '"m"' },
    })
    expect(inputs[1]!['element']!['options']).toMatchObject([{ value: 'true' }, { value: 'false' }])
    expect(inputs[2]).toMatchObject({ optional: true, hint: { text: 'Labels As JSON (array).' } })
    expect(JSON.parse(view.private_metadata)).toEqual(ref)
  })

  it('reads answers by their types, and puts each problem under its field', () => {
    const select = (value: string) => ({ value: { type: 'static_select', selected_option: { value } } })
    const text = (value: string | null) => ({ value: { type: 'plain_text_input', value } })
    expect(
      answers(fields, { field_0: select('"l"'), field_1: select('false'), field_2: text('["a"]') }),
    ).toEqual(Either.right({ values: { size: 'l', gift: false, tags: ['a'] } }))
    expect(answers(fields, { field_0: select('"xl"'), field_2: text('[oops') })).toEqual(
      Either.left({
        field_0: 'size must be one of ["s","m","l"], not "xl"',
        field_2: 'This is not valid JSON',
      }),
    )
  })
})
