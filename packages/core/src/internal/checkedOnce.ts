import { ParseResult, Schema } from 'effect'

/** How a Schema class is told to skip validation (a decoder does, having checked the input already). */
type MakeOptions = boolean | { readonly disableValidation?: boolean }

/**
 * The validation a Schema class makes of each new instance, its validator compiled once.
 * Effect's classes derive the type side of their fields at every construction; when a field is
 * itself a class (a transformation), what is derived is new each time, so the validator is
 * compiled again for every instance: most of the cost of making a record. A class whose fields
 * hold a class constructs through this instead:
 * `constructor(props, options) { super(check(props, options), true) }`.
 */
export const checkedOnce = <Fields extends Schema.Struct.Fields>(identifier: string, fields: Fields) => {
  const validate = ParseResult.validateSync(
    Schema.Struct(fields).annotations({ title: `${identifier} (Constructor)` }),
  )
  return <Props>(props: Props, options?: MakeOptions): Props =>
    options === true || (typeof options === 'object' && options.disableValidation === true)
      ? props
      : (validate(props) as Props)
}
