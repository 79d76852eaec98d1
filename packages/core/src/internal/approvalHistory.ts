import { Effect, Option, Schema } from 'effect'
import { ApprovalStatus, type ApprovalRecord, CallOutcome } from '../Approval.js'
import { Json } from '../Json.js'
import { Principal } from '../Principal.js'
import type { RunStore } from '../RunStore.js'

const at = { at: Schema.Number }

/**
 * One thing that happened to an approval. The trail is read from what was written once and
 * never edited: the requirement as committed, its reminders and escalations, its one
 * resolution, the run's journal.
 */
export const ApprovalEntry = Schema.Union(
  Schema.TaggedStruct('Requested', {
    ...at,
    by: Principal,
    toolName: Schema.String,
    toolArgs: Schema.Record({ key: Schema.String, value: Json }),
    expiresAt: Schema.optional(Schema.Number),
  }),
  Schema.TaggedStruct('Decided', {
    ...at,
    by: Principal,
    status: ApprovalStatus,
    note: Schema.optional(Schema.String),
    data: Schema.optional(Json),
  }),
  /** An approval decided as it was written: an audit, or a call let through by a grant. */
  Schema.TaggedStruct('Recorded', {
    ...at,
    by: Principal,
    status: ApprovalStatus,
    grantId: Schema.optional(Schema.String),
    outcome: Schema.optional(CallOutcome),
  }),
  /** Notified again while pending (see FollowUp). */
  Schema.TaggedStruct('Reminded', { ...at }),
  /** Escalated while pending: sent to more channels, and decidable by more roles. */
  Schema.TaggedStruct('Escalated', {
    ...at,
    roles: Schema.optional(Schema.Array(Schema.String)),
    channels: Schema.optional(Schema.Array(Schema.String)),
  }),
  Schema.TaggedStruct('CallStarted', { ...at, args: Schema.Record({ key: Schema.String, value: Json }) }),
  Schema.TaggedStruct('CallCompleted', { ...at, result: Schema.optional(Json) }),
  Schema.TaggedStruct('CallFailed', { ...at, error: Schema.String }),
)
export type ApprovalEntry = typeof ApprovalEntry.Type

/** What the approved (or audited) call did afterwards, from the journal of the run that made it (a member's, if named). */
const callEntries = (store: RunStore, approval: ApprovalRecord) =>
  Effect.map(store.readEvents(approval.member?.runId ?? approval.runId, 0), (events) =>
    events.flatMap((event): ReadonlyArray<ApprovalEntry> => {
      if (event._tag === 'ToolCallStarted' && event.toolCall.id === approval.toolCallId)
        return [{ _tag: 'CallStarted', at: event.at, args: event.toolCall.args }]
      if (event._tag === 'ToolCallCompleted' && event.toolCallId === approval.toolCallId)
        return [
          {
            _tag: 'CallCompleted',
            at: event.at,
            ...(event.result === undefined ? {} : { result: event.result }),
          },
        ]
      if (event._tag === 'ToolCallFailed' && event.toolCallId === approval.toolCallId)
        return [{ _tag: 'CallFailed', at: event.at, error: event.error }]
      return []
    }),
  )

export const historyOf = (store: RunStore, approval: ApprovalRecord) =>
  Effect.gen(function* () {
    const calls = yield* callEntries(store, approval)
    if (approval.type === 'audit' || approval.grantId !== undefined) {
      const recorded: ApprovalEntry = {
        _tag: 'Recorded',
        at: approval.createdAt,
        by: approval.resolvedBy ?? approval.requestedBy,
        status: approval.status,
        ...(approval.grantId === undefined ? {} : { grantId: approval.grantId }),
        ...(approval.outcome === undefined ? {} : { outcome: approval.outcome }),
      }
      // A grant's use is recorded before the call runs, an audit after.
      return approval.type === 'audit' ? [...calls, recorded] : [recorded, ...calls]
    }
    const requirement = yield* store.getRequirement(approval.runId, approval.id)
    const resolution = Option.getOrUndefined(requirement)?.resolution
    const requested: ApprovalEntry = {
      _tag: 'Requested',
      at: approval.createdAt,
      by: approval.requestedBy,
      toolName: approval.toolName,
      toolArgs: approval.toolArgs,
      ...(approval.expiresAt === undefined ? {} : { expiresAt: approval.expiresAt }),
    }
    const followedUp = (yield* store.listFollowUps(approval.id)).map(
      ({ step, at, roles, channels }): ApprovalEntry =>
        step === 'reminded'
          ? { _tag: 'Reminded', at }
          : {
              _tag: 'Escalated',
              at,
              ...(roles === undefined ? {} : { roles }),
              ...(channels === undefined ? {} : { channels }),
            },
    )
    if (resolution === undefined) return [requested, ...followedUp]
    const decided: ApprovalEntry = {
      _tag: 'Decided',
      at: resolution.resolvedAt,
      by: resolution.resolvedBy,
      status: approval.status,
      ...(approval.note === undefined ? {} : { note: approval.note }),
      ...(approval.resolutionData === undefined ? {} : { data: approval.resolutionData }),
    }
    // Only what the call did after the decision: a call interrupted before it is not this approval's doing.
    return [requested, ...followedUp, decided, ...calls.filter((entry) => entry.at >= resolution.resolvedAt)]
  })
