import { Schema } from 'effect'

export type JsonValue =
  null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

const JsonValue: Schema.Schema<JsonValue> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.Finite,
  Schema.String,
  Schema.Array(Schema.suspend(() => JsonValue)),
  Schema.Record({ key: Schema.String, value: Schema.suspend(() => JsonValue) }),
)

const isJsonValue = Schema.is(JsonValue)

/** The size of a value as JSON text, or undefined for what JSON cannot hold (cycles, BigInts, functions). */
export const jsonSize = (value: unknown): number | undefined => {
  try {
    return JSON.stringify(value)?.length
  } catch {
    return undefined
  }
}

/**
 * A JSON value: what crosses the model, the store and the wire (tool arguments and results,
 * requests and resolutions). Typed `unknown` for convenience; checked wherever it is encoded or
 * decoded, so a value JSON cannot hold is a typed error at the boundary, not a crash in a store.
 */
export const Json: Schema.Schema<unknown> = Schema.Unknown.pipe(
  Schema.filter(
    (value) =>
      (jsonSize(value) !== undefined && isJsonValue(value)) ||
      'a JSON value (null, a boolean, a finite number, a string, an array or a plain object)',
  ),
)

/** Equal as JSON values, whatever the order of object keys. */
export const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  )
}
