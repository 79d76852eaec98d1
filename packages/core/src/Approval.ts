import { Duration, Option, Schema } from 'effect'
import { DefinitionError } from './Errors.js'
import { type Escalate, planOf, type Remind } from './FollowUp.js'
import { Json } from './Json.js'
import { Member } from './Member.js'
import type { ToolCall } from './Message.js'
import type { PageTotal } from './PageTotal.js'
import { Principal } from './Principal.js'
import type { OnExpire, RequirementRecord } from './Requirement.js'
import { Decision } from './RequirementPlugin.js'
import { RunStatus, type RunRecord } from './Run.js'
import { checkedOnce } from './internal/checkedOnce.js'

/*
 * Approvals answer "does this have the organisation's sign-off?". A `required` approval is a
 * requirement of kind `approval` (its id is the requirement's): it blocks its call until an
 * authorised approver decides, and sits in the approval queue meanwhile. An `audit` approval
 * blocks nothing: it is the record that a call ran, written once it has. A call let through by a
 * grant is recorded the same way, naming the grant.
 */

export const ApprovalType = Schema.Literal('required', 'audit')
export type ApprovalType = typeof ApprovalType.Type

export const ApprovalStatus = Schema.Literal('pending', 'approved', 'rejected', 'expired', 'cancelled')
export type ApprovalStatus = typeof ApprovalStatus.Type

/** What raised the approval. */
export const ApprovalSource = Schema.Struct({
  type: Schema.Literal('agent', 'team', 'workflow'),
  id: Schema.NonEmptyString,
  name: Schema.String,
})
export type ApprovalSource = typeof ApprovalSource.Type

/** How the call went, for approvals written after it ran (audits, grant uses). */
export const CallOutcome = Schema.Struct({
  status: Schema.Literal('completed', 'failed', 'skipped'),
  result: Schema.optional(Json),
  error: Schema.optional(Schema.String),
})
export type CallOutcome = typeof CallOutcome.Type

export class ApprovalRecord extends Schema.Class<ApprovalRecord>('ApprovalRecord')({
  id: Schema.NonEmptyString,
  type: ApprovalType,
  runId: Schema.NonEmptyString,
  sessionId: Schema.optional(Schema.String),
  /** The user the run is for. */
  userId: Schema.optional(Schema.String),
  source: ApprovalSource,
  /** The member whose call it is, when the source is a team or workflow. */
  member: Schema.optional(Member),
  toolName: Schema.String,
  toolCallId: Schema.String,
  toolArgs: Schema.Record({ key: Schema.String, value: Json }),
  /** Why the call needs the sign-off, as the tool or the policy that asked says it. */
  reason: Schema.optional(Schema.String),
  /** The policy that asked for it; none when the tool's own `approval` did. */
  policy: Schema.optional(Schema.String),
  requestedBy: Principal,
  status: ApprovalStatus,
  resolvedBy: Schema.optional(Principal),
  resolvedAt: Schema.optional(Schema.Number),
  note: Schema.optional(Schema.String),
  /** Approved with changes: the arguments the approver approved, in place of `toolArgs`. */
  editedArgs: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  /** Whatever else the approver attached to the decision. */
  resolutionData: Schema.optional(Json),
  createdAt: Schema.Number,
  expiresAt: Schema.optional(Schema.Number),
  /** The run's status now (stores fill it in when they read, so it is never stale). */
  runStatus: RunStatus,
  /** The grant that let the call through without asking. */
  grantId: Schema.optional(Schema.String),
  outcome: Schema.optional(CallOutcome),
}) {
  constructor(props: Schema.Struct.Constructor<typeof ApprovalRecord.fields>, options?: boolean) {
    super(checkApprovalRecord(props, options), true)
  }
}

const checkApprovalRecord = checkedOnce('ApprovalRecord', ApprovalRecord.fields)

/**
 * One change to the approval queue: an approval raised (pending) or recorded, or its status
 * changed by a decision or a lapse. Stores number the changes of the whole queue 1, 2, 3, … in
 * the order they are written, so a reader can follow the queue from any point (see
 * `RunStore.readApprovalChanges`).
 */
export class ApprovalChange extends Schema.Class<ApprovalChange>('ApprovalChange')({
  seq: Schema.Int.pipe(Schema.positive()),
  approvalId: Schema.NonEmptyString,
  /** The approval's status as the change left it. */
  status: ApprovalStatus,
  /** When it happened: the approval's creation, or its decision (or lapse). */
  at: Schema.Number,
}) {}

/** A change to the queue as its feed delivers it: the change, with its approval as read when delivered. */
export class ApprovalUpdate extends Schema.Class<ApprovalUpdate>('ApprovalUpdate')({
  seq: ApprovalChange.fields.seq,
  approvalId: ApprovalChange.fields.approvalId,
  status: ApprovalChange.fields.status,
  approval: ApprovalRecord,
}) {}

/** The change a write of `approval` appends, before the store numbers it. */
export const changeOf = (approval: ApprovalRecord): Omit<ApprovalChange, 'seq'> => ({
  approvalId: approval.id,
  status: approval.status,
  at: approval.resolvedAt ?? approval.createdAt,
})

/** What to list: every field given must match. */
export const ApprovalFilter = Schema.Struct({
  status: Schema.optional(ApprovalStatus),
  type: Schema.optional(ApprovalType),
  /** The source's id: an agent, team or workflow. */
  sourceId: Schema.optional(Schema.String),
  userId: Schema.optional(Schema.String),
  toolName: Schema.optional(Schema.String),
  runId: Schema.optional(Schema.String),
  sessionId: Schema.optional(Schema.String),
  grantId: Schema.optional(Schema.String),
  /** Created at or after. */
  createdFrom: Schema.optional(Schema.Number),
  /** Created before. */
  createdTo: Schema.optional(Schema.Number),
})
export type ApprovalFilter = typeof ApprovalFilter.Type

export const maxPageSize = 1_000

export const ApprovalQuery = Schema.Struct({
  ...ApprovalFilter.fields,
  offset: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 }),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, maxPageSize)), { default: () => 50 }),
})
export type ApprovalQuery = typeof ApprovalQuery.Type

/** A page of approvals, newest first, and how many match (exactly, or at least: see `PageTotal`). */
export interface ApprovalPage extends PageTotal {
  readonly approvals: ReadonlyArray<ApprovalRecord>
}

/**
 * A page of the queue as `Approvals.list` answers it, with `changeSeq`: the number of the queue's
 * last change, read before the page. Following the queue's changes after it (`Approvals.changes`)
 * misses nothing the page does not show.
 */
export interface ApprovalListing extends ApprovalPage {
  readonly changeSeq: number
}

const decodeDecision = Schema.decodeUnknownOption(Decision)

/** An approval requirement's status, as its resolution says. */
export const statusOf = (requirement: RequirementRecord): ApprovalStatus => {
  const resolution = requirement.resolution
  if (resolution === undefined) return 'pending'
  if (resolution.lapsed !== undefined) return resolution.lapsed
  const decision = decodeDecision(resolution.value)
  return decision._tag === 'Some' && decision.value.approved ? 'approved' : 'rejected'
}

/** What an approval requirement's request says about where it comes from and why. */
const ApprovalRequest = Schema.Struct({
  source: Schema.optional(ApprovalSource),
  message: Schema.optional(Schema.String),
  policy: Schema.optional(Schema.String),
})
const decodeRequest = Schema.decodeUnknownOption(ApprovalRequest)

/**
 * The approval a requirement of kind `approval` stands for, as of `requirement` and `run`: what
 * a store indexes when the requirement is committed, and updates when it is resolved.
 */
export const fromRequirement = (requirement: RequirementRecord, run: RunRecord): ApprovalRecord => {
  const resolution = requirement.resolution
  const decision = resolution === undefined ? undefined : decodeDecision(resolution.value)
  const decided = decision?._tag === 'Some' ? decision.value : undefined
  const request = Option.getOrElse(
    decodeRequest(requirement.request),
    (): typeof ApprovalRequest.Type => ({}),
  )
  return new ApprovalRecord({
    id: requirement.id,
    type: 'required',
    runId: requirement.runId,
    ...(run.sessionId === undefined ? {} : { sessionId: run.sessionId }),
    ...(run.userId === undefined ? {} : { userId: run.userId }),
    source: request.source ?? { type: 'agent', id: run.agentId, name: run.agentId },
    ...(requirement.member === undefined ? {} : { member: requirement.member }),
    toolName: requirement.toolCall.name,
    toolCallId: requirement.toolCall.id,
    toolArgs: requirement.toolCall.args,
    ...(request.message === undefined ? {} : { reason: request.message }),
    ...(request.policy === undefined ? {} : { policy: request.policy }),
    requestedBy: run.principal,
    status: statusOf(requirement),
    ...(resolution === undefined
      ? {}
      : { resolvedBy: resolution.resolvedBy, resolvedAt: resolution.resolvedAt }),
    ...(decided?.note === undefined ? {} : { note: decided.note }),
    ...(decided?.args === undefined ? {} : { editedArgs: decided.args }),
    ...(decided?.data === undefined ? {} : { resolutionData: decided.data }),
    createdAt: requirement.createdAt,
    ...(requirement.expiresAt === undefined ? {} : { expiresAt: requirement.expiresAt }),
    runStatus: run.status,
  })
}

/** The kind of requirement a `required` approval is. */
export const kind = 'approval'

/** Who may approve a call, besides what every policy of the agent allows. */
export type Approvers = (
  principal: Principal,
  context: { readonly toolCall: ToolCall; readonly runPrincipal: Principal },
) => boolean

/** A tool's approval, as `approval(...)` declares it. */
export type ApprovalOptions =
  | {
      readonly type: 'required'
      /** Who may approve: approvers and admins unless given. */
      readonly approvers?: Approvers
      /** Shown to the approver. */
      readonly message?: string
      /** Left undecided this long, the approval expires and `onExpire` happens (default: the call is rejected). */
      readonly expiresIn?: Duration.DurationInput
      readonly onExpire?: OnExpire
      /**
       * Left pending this long, it is notified again (`requirement.reminded`); and this long, it
       * is escalated (`requirement.escalated`) to more channels and to more roles, who may then
       * decide it too. See FollowUp.
       */
      readonly remind?: Remind
      readonly escalate?: Escalate
    }
  | { readonly type: 'audit' }

/**
 * Declares a tool's approval: `required` blocks each call until an authorised approver decides;
 * `audit` lets calls run at once and records each with its arguments, who asked and how it went.
 */
export const approval = (options: ApprovalOptions = { type: 'required' }): ApprovalOptions => {
  if (options.type !== 'required' && options.type !== 'audit')
    throw new DefinitionError({
      subject: 'approval',
      reason: `the type is "required" or "audit", not ${JSON.stringify((options as { type: unknown }).type)}`,
    })
  if (options.type === 'required' && options.expiresIn !== undefined) {
    const after = Duration.decodeUnknown(options.expiresIn)
    if (after._tag === 'None' || !Duration.greaterThan(after.value, Duration.zero))
      throw new DefinitionError({ subject: 'approval', reason: 'expiresIn must be a positive duration' })
  }
  if (options.type === 'required') planOf('approval', options)
  return options
}
