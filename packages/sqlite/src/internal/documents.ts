import { Message, RequirementRecord, Resolution, RunEvent, RunRecord, StoreError } from '@countersign/core'
import { Either, ParseResult, Schema } from 'effect'

/**
 * The JSON text of a stored record, written and read through the record's Schema. A row that
 * does not decode is a StoreError naming its table and key: a corrupt or foreign row must fail
 * the one operation that read it, not crash the process or pass as a record.
 */
const document = <A, I>(schema: Schema.Schema<A, I>, table: string) => {
  const encode = Schema.encodeEither(schema)
  const decode = Schema.decodeUnknownEither(schema)
  return {
    encode: (operation: string, key: string, value: A): string =>
      JSON.stringify(
        Either.getOrThrowWith(
          encode(value),
          (error) =>
            new StoreError({
              operation,
              reason: `cannot store ${table} row ${key}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
            }),
        ),
      ),
    decode: (operation: string, key: string, doc: unknown): A => {
      const corrupt = (why: string) =>
        new StoreError({ operation, reason: `${table} row ${key} is corrupt: ${why}` })
      if (typeof doc !== 'string') throw corrupt('its document is not text')
      let json: unknown
      try {
        json = JSON.parse(doc)
      } catch (error) {
        throw corrupt(`its document is not JSON (${String(error)})`)
      }
      return Either.getOrThrowWith(decode(json), (error) =>
        corrupt(ParseResult.TreeFormatter.formatErrorSync(error)),
      )
    },
  }
}

export const runs = document(RunRecord, 'runs')
export const messages = document(Message, 'transcript')
export const requirements = document(RequirementRecord, 'requirements')
export const resolutions = document(Resolution, 'requirements')
export const events = document(RunEvent, 'events')

/** How rows are named in errors: `"run-1"`, `("run-1", 3)`. */
export const key = (...parts: ReadonlyArray<string | number>) =>
  parts.length === 1 ? JSON.stringify(parts[0]) : `(${parts.map((part) => JSON.stringify(part)).join(', ')})`
