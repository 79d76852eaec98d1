import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { compiledCheck } from '../src/internal/compiledCheck.js'
import { maxJsonDepth } from '../src/index.js'
import { type AnySchema, storedShapes, Tree } from './storedShapes.js'

/**
 * The memory store checks each value it writes with `compiledCheck`, in place of `Schema.is`:
 * held here to answer as `Schema.is` does, on the values the stores keep and on broken copies.
 */

const nested = (levels: number): unknown => (levels === 0 ? 1 : { deeper: nested(levels - 1) })

/** Copies of a value each broken in one way: a field of the wrong type, missing, empty, fractional or too deep. */
const brokenCopies = (value: object): ReadonlyArray<unknown> => {
  const fields = Object.entries(value)
  return [
    null,
    [value],
    'text',
    ...fields.flatMap(([key, field]) => {
      const without = Object.fromEntries(fields.filter(([other]) => other !== key))
      return [
        without,
        { ...value, [key]: typeof field === 'string' ? 1 : 'text' },
        { ...value, [key]: '' },
        { ...value, [key]: 0.5 },
        { ...value, [key]: [nested(maxJsonDepth + 1)] },
        { ...value, [key]: nested(maxJsonDepth + 1) },
        { ...value, [key]: undefined },
      ]
    }),
  ]
}

const Pair = Schema.Tuple(Schema.Int, Schema.optionalElement(Schema.String))
const Scores = Schema.Record({ key: Schema.String.pipe(Schema.startsWith('s-')), value: Schema.Int })

describe('compiledCheck: what Schema.is answers, compiled', () => {
  it.each(storedShapes)('answers as Schema.is for %s, whole and broken', (_, schema, values) => {
    const encoded = Schema.encodedBoundSchema(schema)
    const check = compiledCheck(encoded.ast)!
    const is = Schema.is(encoded)
    for (const value of values) {
      expect(check(value)).toBe(true)
      for (const broken of brokenCopies(value)) expect(check(broken)).toBe(is(broken))
    }
  })

  it.each([
    [
      'a recursive struct',
      Tree,
      [{ name: 'a', children: [{ name: 'b', children: [] }] }],
      [{ name: 'a', children: [{ name: '', children: [] }] }, { name: 'a' }],
    ],
    ['a tuple with an optional element', Pair, [[1], [1, 'x']], [[], [1.5], [1, 2], [1, 'x', 'y'], { 0: 1 }]],
    [
      'a record whose keys are filtered',
      Scores,
      [{}, { 's-a': 1, other: 'ignored' }],
      [{ 's-a': 0.5 }, { 's-a': 'x' }, null],
    ],
  ] as const)('answers as Schema.is for %s', (_, schema, valid, invalid) => {
    const check = compiledCheck((schema as AnySchema).ast)!
    const is = Schema.is(schema as AnySchema)
    for (const value of valid) expect([check(value), is(value)]).toStrictEqual([true, true])
    for (const value of invalid) expect([check(value), is(value)]).toStrictEqual([false, false])
  })

  it('compiles nothing it does not know: a date is left to Schema.is', () => {
    expect(compiledCheck(Schema.Struct({ at: Schema.DateFromSelf }).ast)).toBeUndefined()
  })
})
