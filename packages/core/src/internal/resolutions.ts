import { Either, ParseResult, Schema } from 'effect'
import { InvalidResolution } from '../Errors.js'
import type { RequirementRecord } from '../Requirement.js'
import type { AnyRequirementPlugin } from '../RequirementPlugin.js'

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
  const decoded = Schema.decodeUnknownEither(plugin.resolution, { onExcessProperty: 'error', errors: 'all' })(value)
  if (Either.isLeft(decoded)) return Either.left(invalid(ParseResult.TreeFormatter.formatErrorSync(decoded.left)))
  const request = Schema.decodeUnknownEither(plugin.request)(requirement.request)
  if (Either.isLeft(request)) return Either.left(invalid(`its stored request does not decode: ${request.left.message}`))
  const reason = plugin.check(request.right, decoded.right)
  if (reason !== undefined) return Either.left(invalid(reason))
  return Either.right(Schema.encodeSync(plugin.resolution)(decoded.right))
}
