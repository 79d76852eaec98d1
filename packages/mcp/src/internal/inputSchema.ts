import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { Either, Schema } from 'effect'

/*
 * A server's JSON input schema as a Countersign tool's parameters: the model is shown the
 * server's schema, and every call's arguments are checked against it before anyone is asked
 * about the call, and again before it is sent. The schema is untrusted: one too large, or not
 * an object schema, or that does not compile, leaves its tool out.
 */

/** How large a tool's input schema may be, as JSON. */
const maxSchemaSize = 64 * 1024

const validators = new AjvJsonSchemaValidator()

export interface Parameters {
  /** Any JSON object, shown to the model as the server's schema. */
  readonly schema: Schema.Schema<Readonly<Record<string, unknown>>>
  /** Why the arguments do not fit the server's schema, if they do not. */
  readonly problem: (args: unknown) => string | undefined
}

export const parametersOf = (
  inputSchema: Readonly<Record<string, unknown>>,
): Either.Either<Parameters, string> => {
  if (JSON.stringify(inputSchema).length > maxSchemaSize)
    return Either.left(`its input schema is larger than ${maxSchemaSize / 1024} KiB`)
  if (inputSchema.type !== 'object') return Either.left('its input schema is not an object schema')
  const { $schema: _dialect, ...rest } = inputSchema
  const shown = {
    ...rest,
    type: 'object',
    properties: typeof rest.properties === 'object' && rest.properties !== null ? rest.properties : {},
    required: Array.isArray(rest.required) ? rest.required : [],
  }
  return Either.map(
    Either.try({
      try: () => validators.getValidator<Readonly<Record<string, unknown>>>(shown as never),
      catch: () => 'its input schema does not compile',
    }),
    (validate) => ({
      schema: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({ jsonSchema: shown }),
      problem: (args) => {
        const checked = validate(args)
        return checked.valid ? undefined : checked.errorMessage
      },
    }),
  )
}
