import { Either, type Schema } from 'effect'
import { StoreError } from '../Errors.js'
import * as StoredText from '../StoredText.js'

/**
 * The text as one string. V8's JSON.stringify answers a rope of pieces, a third larger than their
 * characters; reading a character joins them, and the garbage collector drops the rope.
 */
const flat = (text: string) => {
  text.charCodeAt(0)
  return text
}

/**
 * Values of a Schema kept as JSON text, as a database keeps them: nothing a caller holds aliases
 * what is kept, and every read is a fresh value, decoded through the Schema. Written by the rule
 * every store writes by (`StoredText.codec`, for `writer`), so that what a database's store
 * refuses is refused here too: thrown, as the StoreError that store fails with.
 */
export const jsonText = <A, I>(schema: Schema.Schema<A, I>, table: string, writer?: StoredText.Writer) => {
  const text = StoredText.codec(schema, writer)
  return {
    encode: (value: A): string =>
      flat(
        Either.getOrThrowWith(
          text.encode(value),
          (reason) =>
            new StoreError({ operation: 'write', reason: `cannot store ${table} record: ${reason}` }),
        ),
      ),
    /** `stored` is text this wrote: what a table holds, as the table holds it. */
    decode: (stored: unknown): A =>
      Either.getOrThrowWith(
        text.decode(stored),
        (why) => new StoreError({ operation: 'read', reason: `${table} record is corrupt: its text ${why}` }),
      ),
  }
}
