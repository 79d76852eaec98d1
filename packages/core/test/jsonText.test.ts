import { Either, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { jsonText } from '../src/internal/jsonText.js'
import * as StoredText from '../src/StoredText.js'
import { encodesAsItself } from '../src/StoredText.js'
import { maxJsonDepth, Message, RequirementRecord, RunEvent, RunRecord, StoreError } from '../src/index.js'
import { asMutable, sampleEvents, sampleRequirement, sampleRun } from '../src/testing/StoreConformance.js'
import { type AnySchema, storedShapes, Tree } from './storedShapes.js'

/**
 * Every store writes the engine's records by one rule (`StoredText.codec` for the engine): a value
 * whose Schema `encodesAsItself` is checked and written as its own text, without a pass through
 * the Schema. These tests hold that text, and what is refused, to what the Schema's encoding gives.
 */

/** The text a Schema's encoding gives, as a value (JSON drops the keys it holds undefined). */
const encodedJson = (schema: AnySchema, value: unknown): unknown =>
  JSON.parse(JSON.stringify(Schema.encodeSync(schema)(value)))

class Stamp extends Schema.Class<Stamp>('Stamp')({ at: Schema.Date }) {}
class Plain extends Schema.Class<Plain>('Plain')({
  id: Schema.NonEmptyString,
  tags: Schema.Array(Schema.String),
}) {}

describe('encodesAsItself: whether a value is its own encoding', () => {
  it.each(storedShapes)('holds for %s, a shape the stores keep', (_, schema) => {
    expect(encodesAsItself(schema.ast)).toBe(true)
  })

  it.each([
    [
      'filters, unions, literals, tuples and records',
      Schema.Struct({
        n: Schema.Int,
        u: Schema.Union(Schema.Literal('a'), Schema.Tuple(Schema.Number)),
        r: Schema.Record({ key: Schema.String, value: Schema.Boolean }),
      }),
    ],
    ['a class of such fields, nested', Schema.Struct({ plain: Plain, list: Schema.Array(Plain) })],
    ['a recursive schema', Tree],
  ] as const)('holds for %s', (_, schema) => {
    expect(encodesAsItself(schema.ast)).toBe(true)
  })

  it.each([
    ['a date (text when encoded)', Schema.Struct({ at: Schema.Date })],
    ['a number kept as text', Schema.Struct({ n: Schema.NumberFromString })],
    [
      'a default filled in when decoded',
      Schema.Struct({ n: Schema.optionalWith(Schema.Number, { default: () => 0 }) }),
    ],
    ['an Option', Schema.Struct({ maybe: Schema.Option(Schema.String) })],
    ['a class holding a date', Stamp],
    ['a date deep in a union', Schema.Union(Schema.String, Schema.Array(Schema.Date))],
    ['a declaration', Schema.Struct({ at: Schema.DateFromSelf })],
  ] as const)('fails for %s', (_, schema) => {
    expect(encodesAsItself(schema.ast)).toBe(false)
  })
})

/** What the engine's rule writes for a value, or the reason it refuses it. */
const written = (schema: AnySchema, value: unknown) => StoredText.codec(schema, 'engine').encode(value)

describe("StoredText.codec: the engine's records, checked and written as themselves", () => {
  it.each(storedShapes)(
    'writes a %s as the JSON its encoding gives, and reads it back equal',
    (_, schema, values) => {
      const codec = StoredText.codec(schema, 'engine')
      for (const value of values) {
        const text = Either.getOrThrow(codec.encode(value))
        expect(JSON.parse(text)).toStrictEqual(encodedJson(schema, value))
        expect(Either.getOrThrow(codec.decode(text))).toStrictEqual(
          Schema.decodeUnknownSync(schema)(encodedJson(schema, value)),
        )
      }
    },
  )

  it('encodes through its Schema a value with a transformation: a date is kept as text', () => {
    const codec = StoredText.codec(Stamp, 'engine')
    const stamp = new Stamp({ at: new Date('2026-12-05T10:00:00.000Z') })
    const text = Either.getOrThrow(codec.encode(stamp))
    expect(JSON.parse(text)).toStrictEqual({ at: '2026-12-05T10:00:00.000Z' })
    expect(Either.getOrThrow(codec.decode(text))).toStrictEqual(stamp)
  })

  const nested = (levels: number): unknown => (levels === 0 ? 1 : { deeper: nested(levels - 1) })
  it.each([
    ['an event numbered 1.5', RunEvent, { ...sampleEvents('run-1')[0]!, seq: 1.5 }],
    ['an event of no run', RunEvent, { ...sampleEvents('run-1')[0]!, runId: '' }],
    [
      'a run record made without its checks',
      RunRecord,
      new RunRecord({ ...sampleRun('run-1'), epoch: 0.5 }, true),
    ],
    [
      'a tool result nested past the JSON depth bound',
      Message,
      {
        _tag: 'Tool',
        toolCallId: 'call-1',
        toolName: 'deep',
        outcome: 'completed',
        content: '',
        result: nested(maxJsonDepth + 1),
      },
    ],
    [
      'a number JSON has no text for',
      RunEvent,
      {
        _tag: 'ToolCallCompleted',
        runId: 'run-1',
        seq: 1,
        at: 1,
        toolCallId: 'c',
        toolName: 't',
        result: NaN,
      },
    ],
  ] as const)('refuses %s, with the reason encoding gives', (_, schema, value) => {
    const refused = written(schema as AnySchema, value)
    expect(Either.isLeft(refused)).toBe(true)
    expect(refused).toStrictEqual(StoredText.codec(schema as AnySchema).encode(value))
  })
})

describe("The memory store's text", () => {
  it('keeps nothing a caller holds: editing the value written or read changes what is read next', () => {
    const codec = jsonText(RequirementRecord, 'requirement', 'engine')
    const requirement = sampleRequirement('run-1', 'req-1')
    const expected = encodedJson(RequirementRecord, requirement)
    const text = Either.getOrThrow(codec.written('write', requirement))
    asMutable(requirement.toolCall.args)['amount'] = 0
    asMutable(asMutable(codec.decode(text).request)['evidence'])['photos'] = 0
    expect(encodedJson(RequirementRecord, codec.decode(text))).toStrictEqual(expected)
  })

  it('answers what it refuses as the StoreError a database store fails with, naming the operation and the table', () => {
    const codec = jsonText(RunEvent, 'event', 'engine')
    const refused = Either.getOrThrow(
      Either.flip(codec.written('appendBatch', { ...sampleEvents('run-1')[0]!, seq: 1.5 })),
    )
    expect(refused).toBeInstanceOf(StoreError)
    expect(refused.operation).toBe('appendBatch')
    expect(refused.reason).toMatch(/cannot store event record: .*seq/s)
  })
})
