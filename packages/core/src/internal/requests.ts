import { Effect, Either, ParseResult, Schema } from 'effect'
import { InvalidRequest, InvalidRunInput, RunNotFound } from '../Errors.js'
import { jsonSize } from '../Json.js'
import { Principal } from '../Principal.js'
import { ResolutionInput } from '../Requirement.js'

/*
 * What the engine accepts from callers, decoded at its boundary: plain JavaScript and JSON off
 * the wire reach it, whatever the TypeScript types say.
 */

/** Larger inputs and answers are refused: a run's record and events must stay small (invariant 8). */
export const maxPayloadBytes = 256 * 1024

const withinLimit = <A>(what: string) =>
  Schema.filter<Schema.Schema<A>>((value) => {
    const size = jsonSize(value) ?? 0
    return size <= maxPayloadBytes || `${what} is ${size} bytes; at most ${maxPayloadBytes} are accepted`
  })

export const RunInput = Schema.String.pipe(
  Schema.filter((input) => input.trim() !== '' || 'the input must be a non-empty string'),
  withinLimit('the input'),
)

export const RunOptions = Schema.Struct({
  userId: Schema.optional(Schema.NonEmptyString),
  sessionId: Schema.optional(Schema.NonEmptyString),
  principal: Schema.optional(Principal),
})

export const ResolveOptions = Schema.Struct({ principal: Schema.optional(Principal) })

export const Resolutions = Schema.Array(ResolutionInput.pipe(withinLimit('a resolution')))

export const decode = <A, I, E>(schema: Schema.Schema<A, I>, value: unknown, error: (reason: string) => E) =>
  Either.match(Schema.decodeUnknownEither(schema, { errors: 'all' })(value), {
    onLeft: (issue) => Effect.fail(error(ParseResult.TreeFormatter.formatErrorSync(issue))),
    onRight: (decoded) => Effect.succeed(decoded),
  })

export const decodeRunInput = (input: unknown, options: unknown) =>
  Effect.all([
    decode(RunInput, input, (reason) => new InvalidRunInput({ reason })),
    decode(RunOptions, options ?? {}, (reason) => new InvalidRunInput({ reason })),
  ])

export const decodeResolveOptions = (options: unknown) =>
  decode(ResolveOptions, options ?? {}, (reason) => new InvalidRequest({ reason: `options: ${reason}` }))

export const decodeResolutions = (resolutions: unknown) =>
  decode(Resolutions, resolutions, (reason) => new InvalidRequest({ reason: `resolutions: ${reason}` }))

/** A run id that is not a non-empty string names no run. */
export const decodeRunId = (runId: unknown) =>
  typeof runId === 'string' && runId !== ''
    ? Effect.succeed(runId)
    : Effect.fail(new RunNotFound({ runId: JSON.stringify(runId) ?? 'undefined' }))
