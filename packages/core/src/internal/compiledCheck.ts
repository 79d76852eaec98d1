import { Option, type SchemaAST } from 'effect'

type Check = (value: unknown) => boolean

const noOptions: SchemaAST.ParseOptions = {}

/**
 * What `Schema.is` answers for a schema without transformations, compiled into plain functions:
 * the parser builds an Either at every node of every value, which a store writing each event and
 * message it is given pays for on every cycle. Only structs, records, arrays, tuples, unions,
 * literals, the primitive keywords, filters and recursion are compiled; undefined for any other
 * node, whose schema is then checked by `Schema.is`. Filters run as the Schema's own functions.
 * Like `Schema.is`, a struct's keys must be present unless optional, and keys it does not name
 * are ignored.
 */
export const compiledCheck = (
  ast: SchemaAST.AST,
  compiled = new Map<SchemaAST.AST, Check>(),
): Check | undefined => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  const all = (asts: ReadonlyArray<SchemaAST.AST>) => {
    const checks = asts.map((member) => compiledCheck(member, compiled))
    return checks.every((check) => check !== undefined) ? checks : undefined
  }
  switch (ast._tag) {
    case 'StringKeyword':
      return (value) => typeof value === 'string'
    case 'NumberKeyword':
      return (value) => typeof value === 'number'
    case 'BooleanKeyword':
      return (value) => typeof value === 'boolean'
    case 'UndefinedKeyword':
      return (value) => value === undefined
    case 'UnknownKeyword':
    case 'AnyKeyword':
      return () => true
    case 'Literal':
      return (value) => value === ast.literal
    case 'Refinement': {
      const from = compiledCheck(ast.from, compiled)
      return from && ((value) => from(value) && Option.isNone(ast.filter(value, noOptions, ast)))
    }
    case 'Suspend': {
      // Compiled once: the schema it stands for may hold it again.
      const check: Check = (value) => target!(value)
      compiled.set(ast, check)
      const target = compiledCheck(ast.f(), compiled)
      return target && check
    }
    case 'Union': {
      const members = all(ast.types)
      return members && ((value) => members.some((member) => member(value)))
    }
    case 'TupleType': {
      const elements = all(ast.elements.map((element) => element.type))
      const required = ast.elements.filter((element) => !element.isOptional).length
      if (elements === undefined || ast.rest.length > 1) return undefined
      const rest = ast.rest.length === 1 ? compiledCheck(ast.rest[0]!.type, compiled) : undefined
      if (ast.rest.length === 1 && rest === undefined) return undefined
      return (value) => {
        if (!Array.isArray(value) || value.length < required) return false
        if (rest === undefined && value.length > elements.length) return false
        for (let index = 0; index < value.length; index++) {
          const check = index < elements.length ? elements[index]! : rest!
          if (!check(value[index])) return false
        }
        return true
      }
    }
    case 'TypeLiteral': {
      const types = all(ast.propertySignatures.map((property) => property.type))
      const keys = all(ast.indexSignatures.map((index) => index.parameter))
      const values = all(ast.indexSignatures.map((index) => index.type))
      if (types === undefined || keys === undefined || values === undefined) return undefined
      const properties = ast.propertySignatures.map((property, index) => ({
        name: property.name,
        isOptional: property.isOptional,
        check: types[index]!,
      }))
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
        for (const { name, isOptional, check } of properties) {
          if (!Object.prototype.hasOwnProperty.call(value, name)) {
            if (isOptional) continue
            return false
          }
          if (!check((value as Record<PropertyKey, unknown>)[name])) return false
        }
        if (keys.length === 0) return true
        for (const key of Object.keys(value))
          for (let index = 0; index < keys.length; index++)
            if (keys[index]!(key) && !values[index]!((value as Record<string, unknown>)[key])) return false
        return true
      }
    }
    default:
      return undefined
  }
}
