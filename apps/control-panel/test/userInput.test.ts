import { describe, expect, it } from 'vitest'
import { type Field, initialTexts, readForm } from '../src/userInput.js'

const fields: ReadonlyArray<Field> = [
  { name: 'nights', type: 'integer', required: true },
  { name: 'seat', type: 'string', required: true, allowedValues: ['aisle', 'window'] },
  { name: 'vegetarian', type: 'boolean', required: false },
  { name: 'budget', type: 'number', required: false, value: 900 },
  { name: 'stops', type: 'array', required: false },
]

describe('readForm: a form read back into typed answers, judged by the core', () => {
  it('prefills the inputs with the values the model gave', () => {
    expect(initialTexts(fields)).toStrictEqual({
      nights: '',
      seat: '',
      vegetarian: '',
      budget: '900',
      stops: '',
    })
  })

  it('answers of the right types and allowed values are read; empty optional fields are left out', () => {
    expect(
      readForm(fields, {
        nights: '3',
        seat: 'window',
        vegetarian: 'true',
        budget: '1200.5',
        stops: '["Porto"]',
      }),
    ).toStrictEqual({
      ok: true,
      values: { nights: 3, seat: 'window', vegetarian: true, budget: 1200.5, stops: ['Porto'] },
    })
    expect(readForm(fields, { nights: '2', seat: 'aisle' })).toStrictEqual({
      ok: true,
      values: { nights: 2, seat: 'aisle' },
    })
  })

  it("refuses a wrong type, a missing required field and a value outside the allowed ones, every field at once, in the core's words", () => {
    const reading = readForm(fields, { nights: 'two', seat: 'middle', budget: 'lots', stops: '{' })
    expect(reading).toStrictEqual({
      ok: false,
      errors: {
        nights: 'Nights must be a whole number, not "two".',
        seat: 'Seat must be one of ["aisle","window"], not "middle".',
        budget: 'Budget must be a number, not "lots".',
        stops: 'Stops must be a list, not "{".',
      },
    })
    expect(readForm(fields, { nights: '2.5', seat: '' })).toStrictEqual({
      ok: false,
      errors: { nights: 'Nights must be a whole number, not 2.5.', seat: 'Seat is required.' },
    })
    expect(readForm(fields, { nights: '1', seat: 'aisle', stops: '{"a":1}' })).toStrictEqual({
      ok: false,
      errors: { stops: 'Stops must be a list, not {"a":1}.' },
    })
  })

  it('a required text field of blanks is missing', () => {
    const window: ReadonlyArray<Field> = [{ name: 'window', type: 'string', required: true }]
    expect(readForm(window, { window: '   ' })).toStrictEqual({
      ok: false,
      errors: { window: 'Window is required.' },
    })
  })
})
