import { Either, ParseResult, Schema } from 'effect'

/**
 * A record kept as JSON text, written and read through its Schema: how stores keep the core's
 * records whatever their database accepts as keys. On failure it answers what is wrong with the
 * text as a predicate ("is not JSON (…)"), for the store to name the row or document in its own
 * StoreError.
 */
export const codec = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = Schema.encodeEither(schema)
  const decode = Schema.decodeUnknownEither(schema)
  const format = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)
  return {
    encode: (value: A): Either.Either<string, string> =>
      encode(value).pipe(
        Either.map((json) => JSON.stringify(json)),
        Either.mapLeft(format),
      ),
    decode: (text: unknown): Either.Either<A, string> => {
      if (typeof text !== 'string') return Either.left('is not text')
      return Either.try({
        try: () => JSON.parse(text) as unknown,
        catch: (error) => `is not JSON (${String(error)})`,
      }).pipe(
        Either.flatMap((json) =>
          Either.mapLeft(decode(json), (error) => `does not decode: ${format(error)}`),
        ),
      )
    },
  }
}
