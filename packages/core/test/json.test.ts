import { Either, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Json, maxJsonDepth } from '../src/index.js'

/*
 * `Json` is checked by a hand-written walk (it is on every record, event and message a store
 * encodes or decodes): these are the values it must accept and refuse, as the Schema union it
 * replaced did.
 */

const isJson = Schema.is(Json)

/** A value nesting `levels` arrays and objects, alternately, around `leaf`. */
const nested = (levels: number, leaf: unknown): unknown => {
  let value = leaf
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? { a: value } : [value]
  return value
}

const cyclic: Record<string, unknown> = { a: 1 }
cyclic.self = cyclic

class ThrowsAsJson {
  readonly field = 1
  toJSON(): never {
    throw new Error('not JSON')
  }
}

describe('Json: what is a JSON value', () => {
  it.each([
    ['null', null],
    ['a boolean', false],
    ['a finite number', -0],
    ['a string', ''],
    ['an empty array', []],
    ['an empty object', {}],
    ['nested arrays and objects', { a: [1, 'b', null, { c: true }] }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: [1] })],
    ['an object, reading its own enumerable string keys only', { a: 1, [Symbol('s')]: () => 1 }],
    [`${maxJsonDepth} levels`, nested(maxJsonDepth, 1)],
    [`${maxJsonDepth} levels ending in an empty object`, nested(maxJsonDepth - 1, {})],
  ])('accepts %s', (_, value) => {
    expect(isJson(value)).toBe(true)
  })

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a BigInt', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is refused
    ['an array with a hole', [1, , 3]],
    ['an array holding undefined', [1, undefined]],
    ['an object holding undefined', { a: undefined }],
    ['an object holding NaN deep inside', { a: [{ b: Number.NaN }] }],
    ['an object holding a function deep inside', { a: { b: [{ c: () => 1 }] } }],
    ['a cycle', cyclic],
    ['a value whose toJSON throws', new ThrowsAsJson()],
    [`${maxJsonDepth + 1} levels`, nested(maxJsonDepth + 1, 1)],
    [`${maxJsonDepth} levels ending in an empty object`, nested(maxJsonDepth, {})],
    ['10,000 levels', nested(10_000, 1)],
  ])('refuses %s, saying what a JSON value is', (_, value) => {
    const decoded = Schema.decodeUnknownEither(Json)(value)
    expect(Either.isLeft(decoded)).toBe(true)
    if (Either.isLeft(decoded))
      expect(decoded.left.message).toContain(`nested at most ${maxJsonDepth} levels deep`)
  })
})
