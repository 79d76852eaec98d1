import { Schema } from 'effect'
import { encodesAsItself } from '../StoredText.js'
import { compiledCheck } from './compiledCheck.js'

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
 * what is kept, and every read is a fresh value, decoded through the Schema. A value whose schema
 * `encodesAsItself` is checked as its own encoding (every filter of the Schema, by a compiled
 * check, at a fraction of the cost of encoding) and written as its own JSON text: the same text
 * up to the order of keys. Any other value is encoded first, so what encoding refuses is refused
 * as it was, and a schema a real store could not round-trip fails here too.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonText = <A>(schema: Schema.Schema<A, any>) => {
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)
  const encoded = Schema.encodedBoundSchema(schema)
  const isOwnEncoding = encodesAsItself(schema.ast)
    ? (compiledCheck(encoded.ast) ?? Schema.is(encoded))
    : () => false
  return {
    encode: (value: A): string => flat(JSON.stringify(isOwnEncoding(value) ? value : encode(value))),
    /** `stored` is text this wrote: what a table holds, as the table holds it. */
    decode: (stored: unknown): A => decode(JSON.parse(stored as string)),
  }
}
