import { Either, Option, ParseResult, Schema, SchemaAST } from 'effect'
import { compiledCheck } from './internal/compiledCheck.js'

/**
 * Who writes a record. A caller's goes through its Schema, which drops the keys the Schema does not
 * name. The engine's records, which every pause and resume writes, are instances of their Schema
 * classes: when their Schema `encodesAsItself`, one compiled check of every filter of the encoded
 * Schema stands for the encoding, and the record is written as its own JSON, at a fraction of the
 * cost of walking the Schema. What the check refuses is encoded, for the Schema's error.
 */
export type Writer = 'caller' | 'engine'

/**
 * A record kept as JSON text, written and read through its Schema: how stores keep the core's
 * records whatever their database accepts as keys. On failure it answers what is wrong with the
 * text as a predicate ("is not JSON (…)"), for the store to name the row or document in its own
 * StoreError. Reading always goes through the Schema.
 */
export const codec = <A, I>(schema: Schema.Schema<A, I>, writer: Writer = 'caller') => {
  const encode = Schema.encodeEither(schema)
  const decode = Schema.decodeUnknownEither(schema)
  const format = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)
  const encoded = (value: A): Either.Either<string, string> =>
    encode(value).pipe(
      Either.map((json) => JSON.stringify(json)),
      Either.mapLeft(format),
    )
  const isOwnEncoding = writer === 'engine' ? ownEncodingCheck(schema) : undefined
  return {
    encode:
      isOwnEncoding === undefined
        ? encoded
        : (value: A): Either.Either<string, string> =>
            isOwnEncoding(value) ? stringified(value) : encoded(value),
    // Plain try and catch rather than Either's combinators: every record a store reads comes here.
    decode: (text: unknown): Either.Either<A, string> => {
      if (typeof text !== 'string') return Either.left('is not text')
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        return Either.left(`is not JSON (${String(error)})`)
      }
      const decoded = decode(json)
      return Either.isRight(decoded)
        ? Either.right(decoded.right)
        : Either.left(`does not decode: ${format(decoded.left)}`)
    },
  }
}

/**
 * Whether a Schema encodes a value of its type as that value itself, as JSON reads it: nothing
 * in it is transformed, and each Schema class in it encodes as its instance's own fields. Then
 * `JSON.stringify(value)` is the JSON of its encoding (keys perhaps in another order), made
 * without walking the Schema. Its checks (refinements) are not looked at here: `codec` runs them
 * on the value.
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

/** A value checked as its own encoding, as JSON text. */
const stringified = (value: unknown): Either.Either<string, string> => {
  try {
    return Either.right(JSON.stringify(value))
  } catch (error) {
    return Either.left(`is not JSON (${String(error)})`)
  }
}

/** Whether a value is its own encoding, every filter passed; undefined when the Schema transforms it. */
const ownEncodingCheck = <A, I>(schema: Schema.Schema<A, I>): ((value: unknown) => boolean) | undefined => {
  if (!encodesAsItself(schema.ast)) return undefined
  const encoded = Schema.encodedBoundSchema(schema)
  return compiledCheck(encoded.ast) ?? Schema.is(encoded)
}

/** A Schema class's own transformation, from its fields' struct to the class: the only one with a surrogate. */
const isClass = (node: SchemaAST.Transformation) =>
  node.from._tag === 'TypeLiteral' &&
  node.to._tag === 'Declaration' &&
  node.transformation._tag === 'FinalTransformation' &&
  Option.isSome(SchemaAST.getSurrogateAnnotation(node.to))
