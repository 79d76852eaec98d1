import { UsageError } from './UsageError.js'

/** A value as typed: JSON when it parses (`3`, `true`, `"3"`, `[1,2]`), else the text itself. */
export const parsed = (value: string): unknown => {
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

/** `name=value` pairs as a record; the value may contain `=`. Every malformed pair is told at once. */
export const fieldValues = (pairs: ReadonlyArray<string>) => {
  const malformed = pairs.filter((pair) => pair.indexOf('=') <= 0)
  if (malformed.length > 0)
    throw new UsageError(malformed.map((pair) => `"${pair}" is not name=value`).join('; '))
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=')
      return [pair.slice(0, at), parsed(pair.slice(at + 1))] as const
    }),
  )
}
