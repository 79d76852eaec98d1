import { Schema } from 'effect'
import { Json } from './Json.js'
import { ToolCall } from './Message.js'
import { Principal } from './Principal.js'

/** A recorded decision: what was decided, by whom, when. Written once, never edited. */
export class Resolution extends Schema.Class<Resolution>('Resolution')({
  value: Json,
  resolvedBy: Principal,
  resolvedAt: Schema.Number,
}) {}

/**
 * One pending decision blocking one tool call. `request` and the resolution's `value` are in the
 * shape of the kind's plugin (see RequirementPlugin), kept as JSON here so that a store reads
 * every kind, including kinds it has never heard of.
 */
export class RequirementRecord extends Schema.Class<RequirementRecord>('RequirementRecord')({
  id: Schema.NonEmptyString,
  runId: Schema.NonEmptyString,
  /** The epoch of the run when it paused for this requirement. */
  epoch: Schema.Int,
  kind: Schema.NonEmptyString,
  toolCall: ToolCall,
  request: Json,
  status: Schema.Literal('pending', 'resolved'),
  resolution: Schema.optional(Resolution),
  createdAt: Schema.Number,
}) {}

/** A resolution as a caller submits it: which requirement, and the kind-specific value. */
export const ResolutionInput = Schema.Struct({
  requirementId: Schema.NonEmptyString,
  value: Json,
})
export type ResolutionInput = typeof ResolutionInput.Type
