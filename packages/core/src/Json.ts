import { Schema } from 'effect'

export type JsonValue =
  null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

/**
 * How deep a JSON value may nest arrays and objects: MongoDB refuses documents past 100 levels,
 * and checking a value nested thousands deep would overflow the stack.
 */
export const maxJsonDepth = 64

/**
 * Whether `value` nests arrays and objects more than `maxDepth` levels deep (a scalar is 0 levels,
 * `[]` and `{}` are 1). Measured without recursion, so that no depth can overflow the stack.
 */
export const nestsDeeperThan = (value: unknown, maxDepth: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 0]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next
    if (typeof item !== 'object' || item === null) continue
    if (depth >= maxDepth) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}

/**
 * Whether a value made of null, booleans, finite numbers, strings, arrays and records (objects
 * that are not arrays, read by their own enumerable string keys) nests at most `maxDepth` levels.
 * Walked by hand rather than through a recursive Schema union: every JSON field of every record,
 * event and message is checked whenever it is encoded or decoded, and the union cost more than
 * encoding the rest of them. An array with holes is not JSON (a hole reads as undefined).
 */
export const isJsonWithin = (value: unknown, maxDepth: number): boolean => {
  const pending: Array<unknown> = [value]
  const depths: Array<number> = [0]
  for (let next = pending.length - 1; next >= 0; next = pending.length - 1) {
    const item = pending.pop()
    const depth = depths.pop()!
    switch (typeof item) {
      case 'string':
      case 'boolean':
        continue
      case 'number':
        if (Number.isFinite(item)) continue
        return false
      case 'object': {
        if (item === null) continue
        if (depth >= maxDepth) return false
        if (Array.isArray(item)) {
          for (let index = 0; index < item.length; index++) {
            pending.push(item[index])
            depths.push(depth + 1)
          }
        } else {
          for (const key of Object.keys(item)) {
            pending.push((item as Record<string, unknown>)[key])
            depths.push(depth + 1)
          }
        }
        continue
      }
      default:
        return false
    }
  }
  return true
}

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
  Schema.filter((value) => {
    const expected = `a JSON value (null, a boolean, a finite number, a string, an array or a plain object) nested at most ${maxJsonDepth} levels deep`
    // Measured as text first: a cycle is no JSON value, and would send the depth count round it.
    return (jsonSize(value) !== undefined && isJsonWithin(value, maxJsonDepth)) || expected
  }),
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
