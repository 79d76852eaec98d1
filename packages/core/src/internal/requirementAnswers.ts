import { Either, ParseResult, Schema } from 'effect'
import { InvalidResolution } from '../Errors.js'
import type { RequirementRecord } from '../Requirement.js'
import type { AnyRequirementPlugin } from '../RequirementPlugin.js'

/*
 * A requirement's answer checked against its kind alone, beside the data: a requirement checks
 * what it is given with this, and the engine's checks of who decides build on it.
 */

/** A requirement's stored request, in its kind's shape. */
export const decodeRequest = (
  plugin: AnyRequirementPlugin,
  requirement: RequirementRecord,
): Either.Either<unknown, InvalidResolution> =>
  Schema.decodeUnknownEither(plugin.request)(requirement.request).pipe(
    Either.mapLeft(
      (error) =>
        new InvalidResolution({
          requirementId: requirement.id,
          kind: requirement.kind,
          reason: `its stored request does not decode: ${error.message}`,
        }),
    ),
  )

/**
 * Checks a proposed answer to a requirement against its kind: the resolution schema, then the
 * plugin's own check against the request. Answers the value as it is stored.
 */
export const validateResolution = (
  plugin: AnyRequirementPlugin,
  requirement: RequirementRecord,
  value: unknown,
): Either.Either<unknown, InvalidResolution> => {
  const invalid = (reason: string) =>
    new InvalidResolution({ requirementId: requirement.id, kind: requirement.kind, reason })
  const decoded = Schema.decodeUnknownEither(plugin.resolution, { onExcessProperty: 'error', errors: 'all' })(
    value,
  )
  if (Either.isLeft(decoded))
    return Either.left(invalid(ParseResult.TreeFormatter.formatErrorSync(decoded.left)))
  const request = decodeRequest(plugin, requirement)
  if (Either.isLeft(request)) return Either.left(request.left)
  const reason = plugin.check(request.right, decoded.right)
  if (reason !== undefined) return Either.left(invalid(reason))
  return Either.right(Schema.encodeSync(plugin.resolution)(decoded.right))
}
