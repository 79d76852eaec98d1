import { Approval, Approvals, Grant, ResolutionInput, RunQuery } from '@countersign/core'
import { Schema } from 'effect'

/*
 * Procedure inputs, checked by tRPC with Effect Schemas through `input()` (a failure is
 * BAD_REQUEST listing the issues). The core checks again what it is given: these only keep
 * malformed requests off it.
 */

const RunId = Schema.NonEmptyString

export const RunIdInput = Schema.Struct({ runId: RunId })

/** What becomes of an interrupted run's calls that started without a result (see `RunEngine.recoverRun`). */
export const RecoverRunInput = Schema.Struct({
  runId: RunId,
  interruptedCalls: Schema.Literal('retry', 'ask'),
})

export const StartRunInput = Schema.Struct({
  agentId: Schema.NonEmptyString,
  input: Schema.String,
  sessionId: Schema.optional(Schema.NonEmptyString),
  /** Answer as soon as the run has started, with its id; follow it with `runs.events`. */
  stream: Schema.optional(Schema.Boolean),
})

export const ContinueRunInput = Schema.Struct({
  runId: RunId,
  resolutions: Schema.optional(Schema.Array(ResolutionInput)),
})

export const ResolveInput = Schema.Struct({
  runId: RunId,
  resolutions: Schema.NonEmptyArray(ResolutionInput),
})

/** Set by tRPC on reconnect to the last tracked id seen (a sequence number): takes precedence over `afterSeq`. */
const LastEventId = Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative())

export const RunEventsInput = Schema.Struct({
  runId: RunId,
  /** Events after this sequence number (default: from the first). */
  afterSeq: Schema.optional(Schema.NonNegativeInt),
  lastEventId: Schema.optional(LastEventId),
})

export const ApprovalQueryInput = Schema.UndefinedOr(Approval.ApprovalQuery)

export const ApprovalFilterInput = Schema.UndefinedOr(Approval.ApprovalFilter)

export const ApprovalChangesInput = Schema.UndefinedOr(
  Schema.Struct({
    /** Changes after this number, as `approvals.list` gives it in `changeSeq` (default: from the queue's end now). */
    afterSeq: Schema.optional(Schema.NonNegativeInt),
    lastEventId: Schema.optional(LastEventId),
  }),
)

export const ApprovalIdInput = Schema.Struct({ approvalId: Schema.NonEmptyString })

export const GrantFilterInput = Schema.UndefinedOr(Grant.GrantFilter)

export const RevokeGrantInput = Schema.Struct({
  grantId: Schema.NonEmptyString,
  /** Why, kept with the revocation. */
  note: Schema.optional(Schema.String),
})

export const DecideInput = Schema.Struct({
  approvalId: Schema.NonEmptyString,
  answer: Approvals.ApprovalAnswer,
})

/** The caller's runs (an admin's: everyone's), of a status or definition; paged like the core's RunQuery. */
export const ListRunsInput = Schema.UndefinedOr(
  Schema.Struct({
    status: RunQuery.fields.status,
    /** Only interrupted runs (being worked on, their writer's lease lapsed: to recover or cancel). */
    interrupted: Schema.optional(Schema.Literal(true)),
    definitionId: Schema.optional(Schema.NonEmptyString),
    /** Text to find in the run's id (a prefix), definition, input or answer: see the core's `RunFilter.search`. */
    search: RunQuery.fields.search,
    offset: RunQuery.fields.offset,
    limit: RunQuery.fields.limit,
  }),
)
