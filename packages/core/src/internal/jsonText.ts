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
 * refuses is refused here too, as the StoreError that store fails with.
 */
export const jsonText = <A, I>(schema: Schema.Schema<A, I>, table: string, writer?: StoredText.Writer) => {
  const text = StoredText.codec(schema, writer)
  /** The text of `value`, or the StoreError that fails `operation`: made before anything is written. */
  const written = (operation: string, value: A): Either.Either<string, StoreError> => {
    const encoded = text.encode(value)
    return Either.isRight(encoded)
      ? Either.right(flat(encoded.right))
      : Either.left(new StoreError({ operation, reason: `cannot store ${table} record: ${encoded.left}` }))
  }
  return {
    written,
    /** The texts of `values`, in order, or the StoreError of the first one refused. */
    allWritten: (operation: string, values: ReadonlyArray<A>): Either.Either<Array<string>, StoreError> => {
      const texts = new Array<string>(values.length)
      for (let index = 0; index < values.length; index++) {
        const one = written(operation, values[index]!)
        if (Either.isLeft(one)) return Either.left(one.left)
        texts[index] = one.right
      }
      return Either.right(texts)
    },
    /** `stored` is text this wrote: what a table holds, as the table holds it. */
    decode: (stored: unknown): A =>
      Either.getOrThrowWith(
        text.decode(stored),
        (why) => new StoreError({ operation: 'read', reason: `${table} record is corrupt: its text ${why}` }),
      ),
  }
}
