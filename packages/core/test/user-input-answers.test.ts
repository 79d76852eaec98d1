import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { completeAnswers, type UserInputField } from '../src/index.js'

/*
 * The one rule for a user-input form's answers, which the engine, the server, the CLI and the
 * control panel all apply: required means given and not blank, and every problem is told at
 * once, in words.
 */

const fields: ReadonlyArray<UserInputField> = [
  { name: 'window', type: 'string', required: true },
  { name: 'guests', type: 'number', required: true },
  { name: 'nights', type: 'integer', required: false },
  { name: 'seat', type: 'string', required: false, allowedValues: ['aisle', 'window'] },
  { name: 'vegetarian', type: 'boolean', required: false },
  { name: 'stops', type: 'array', required: false },
  { name: 'extras', type: 'object', required: false },
  { name: 'city', type: 'string', required: true, value: 'Lisbon' },
]

const refusal = (values: Readonly<Record<string, unknown>>) =>
  Either.match(completeAnswers(fields, values), {
    onLeft: (reason) => reason,
    onRight: (answers) => {
      throw new Error(`accepted ${JSON.stringify(answers)}`)
    },
  })

describe('completeAnswers', () => {
  it('takes answers of the right types, the prefills filled in, and leaves out what was not given', () => {
    expect(
      completeAnswers(fields, { window: '19:00', guests: 4, seat: 'aisle', extras: { cake: true } }),
    ).toStrictEqual(
      Either.right({ window: '19:00', guests: 4, seat: 'aisle', extras: { cake: true }, city: 'Lisbon' }),
    )
  })

  it.each([
    { why: 'an empty string', window: '' },
    { why: 'blanks only', window: ' \t\n' },
  ])('refuses $why for a required text field: it is missing', ({ window }) => {
    expect(refusal({ window, guests: 2 })).toBe('window is required')
  })

  it('refuses a prefilled required field answered with blanks: the answer replaces the prefill', () => {
    expect(refusal({ window: '19:00', guests: 2, city: '' })).toBe('city is required')
  })

  it('takes an empty string for an optional text field as the answer it is', () => {
    expect(completeAnswers(fields, { window: '19:00', guests: 2, nights: 1, seat: 'window' })).toMatchObject(
      Either.right({ seat: 'window' }),
    )
    expect(completeAnswers([{ name: 'note', type: 'string', required: false }], { note: '' })).toStrictEqual(
      Either.right({ note: '' }),
    )
  })

  it('tells every problem at once, field by field in the form, in words and without a schema tree', () => {
    const reason = refusal({
      window: '',
      guests: 'abc',
      nights: 2.5,
      seat: 'middle',
      vegetarian: 'yes',
      stops: 'Porto',
      extras: [1],
      colour: 'red',
    })
    expect(reason).toBe(
      [
        'window is required',
        'guests must be a number, not "abc"',
        'nights must be a whole number, not 2.5',
        'seat must be one of ["aisle","window"], not "middle"',
        'vegetarian must be true or false, not "yes"',
        'stops must be a list, not "Porto"',
        'extras must be an object, not [1]',
        'colour is not a field of this form',
      ].join('; '),
    )
  })

  it('refuses a missing required field and a null by name', () => {
    expect(refusal({ guests: null })).toBe('window is required; guests must be a number, not null')
  })
})
