import { Schema, SchemaAST } from 'effect'
import { compiledCheck } from './compiledCheck.js'

/**
 * Whether a Schema class's AST node is this: encoding the class from its fields. Its instances are
 * their fields (own, enumerable), so an instance is its own encoded form when its fields are.
 */
const isClass = (ast: SchemaAST.Transformation) =>
  SchemaAST.isTypeLiteral(ast.from) &&
  SchemaAST.isDeclaration(ast.to) &&
  SchemaAST.isFinalTransformation(ast.transformation) &&
  ast.to.annotations[SchemaAST.SurrogateAnnotationId] !== undefined &&
  SchemaAST.getIdentifierAnnotation(ast.to)._tag === 'Some'

/**
 * Whether encoding leaves every value of the schema as it is: no transformation but Schema
 * classes, no declaration but theirs. Filters only check, and unions, structs, records and arrays
 * only recurse, so the JSON text of such a value is the text of its encoding.
 */
export const encodesAsItself = (ast: SchemaAST.AST, seen = new Set<SchemaAST.AST>()): boolean => {
  if (seen.has(ast)) return true
  seen.add(ast)
  const all = (asts: ReadonlyArray<SchemaAST.AST>) => asts.every((member) => encodesAsItself(member, seen))
  switch (ast._tag) {
    case 'Transformation':
      return isClass(ast) && encodesAsItself(ast.from, seen)
    case 'Declaration':
      return false
    case 'Refinement':
      return encodesAsItself(ast.from, seen)
    case 'Suspend':
      return encodesAsItself(ast.f(), seen)
    case 'Union':
      return all(ast.types)
    case 'TupleType':
      return all([...ast.elements.map((element) => element.type), ...ast.rest.map((rest) => rest.type)])
    case 'TypeLiteral':
      return all([
        ...ast.propertySignatures.map((property) => property.type),
        ...ast.indexSignatures.map((index) => index.type),
      ])
    default:
      return true
  }
}

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
