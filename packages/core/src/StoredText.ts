import { Either, Option, ParseResult, Schema, SchemaAST } from 'effect'

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

/**
 * Whether a Schema encodes a value of its type as that value itself, as JSON reads it: nothing
 * in it is transformed, and each Schema class in it encodes as its instance's own fields. Then
 * `JSON.stringify(value)` is the JSON of its encoding (keys perhaps in another order), made
 * without walking the Schema. Its checks (refinements) are what it skips: the value is taken as
 * checked already, as a Schema class's instance is by its constructor.
 */
export const encodesAsItself = (ast: SchemaAST.AST): boolean => {
  // A recursive Schema (JSON values) refers to itself through Suspend: assumed plain while it is
  // looked at, so that the walk ends; any other part of it still decides.
  const visiting = new Set<SchemaAST.AST>()
  const plain = (node: SchemaAST.AST): boolean => {
    switch (node._tag) {
      case 'Literal':
      case 'UndefinedKeyword':
      case 'UnknownKeyword':
      case 'AnyKeyword':
      case 'StringKeyword':
      case 'NumberKeyword':
      case 'BooleanKeyword':
      case 'TemplateLiteral':
      case 'Enums':
        return true
      case 'Refinement':
        return plain(node.from)
      case 'TupleType':
        return (
          node.elements.every((element) => plain(element.type)) && node.rest.every((rest) => plain(rest.type))
        )
      case 'TypeLiteral':
        return (
          node.propertySignatures.every((property) => plain(property.type)) &&
          node.indexSignatures.every((index) => plain(index.type))
        )
      case 'Union':
        return node.types.every(plain)
      case 'Suspend': {
        if (visiting.has(node)) return true
        visiting.add(node)
        return plain(node.f())
      }
      // A Schema class: its fields' struct, encoded from the instance as it is.
      case 'Transformation':
        return isClass(node) && plain(node.from)
      default:
        return false
    }
  }
  return plain(ast)
}

/** A Schema class's own transformation, from its fields' struct to the class: the only one with a surrogate. */
const isClass = (node: SchemaAST.Transformation) =>
  node.from._tag === 'TypeLiteral' &&
  node.to._tag === 'Declaration' &&
  node.transformation._tag === 'FinalTransformation' &&
  Option.isSome(SchemaAST.getSurrogateAnnotation(node.to))
