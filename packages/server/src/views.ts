import {
  type Approval,
  ApprovalRecord,
  type ApprovalUpdate,
  Grant,
  Message,
  type Requirement,
  RequirementRecord,
  RunEvent,
  type RunOutput,
  type RunPage,
  type RunRecord,
} from '@countersign/core'
import { Schema } from 'effect'

/*
 * What procedures answer, encoded to plain JSON by the core's own schemas: the wire carries no
 * class instances, and the client's types are these encoded shapes.
 */

const encodeMessages = Schema.encodeSync(Schema.Array(Message))
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeEvent = Schema.encodeSync(RunEvent)
const encodeApproval = Schema.encodeSync(ApprovalRecord)
const encodeRequirement = Schema.encodeSync(RequirementRecord)

/** A requirement as a run's output shows it, with its decision if it has one. */
const requirementView = (requirement: Requirement) => ({
  id: requirement.id,
  runId: requirement.runId,
  kind: requirement.kind,
  toolCall: requirement.toolCall,
  request: requirement.request,
  createdAt: requirement.createdAt,
  expiresAt: requirement.expiresAt,
  onExpire: requirement.onExpire,
  member: requirement.member,
  userInputSchema: requirement.userInputSchema,
  isResolved: requirement.isResolved,
  resolution: requirement.resolution,
  resolvedBy: requirement.resolvedBy,
  resolvedAt: requirement.resolvedAt,
})
export type RequirementView = ReturnType<typeof requirementView>

/** A run as the server answers it: where it stands, its transcript and every requirement. */
export const runView = (run: RunOutput) => ({
  runId: run.runId,
  agentId: run.agentId,
  kind: run.kind,
  sessionId: run.sessionId,
  userId: run.userId,
  status: run.status,
  /** Being worked on with its writer's lease lapsed: its owner or an admin may recover or cancel it. */
  interrupted: run.interrupted,
  content: run.content,
  error: run.error,
  messages: encodeMessages(run.messages),
  toolExecutions: run.toolExecutions,
  /** Every requirement of the run, across its pauses, oldest first. */
  requirements: run.requirements.map(requirementView),
  /** The ids of the requirements waiting for a decision now (empty unless paused). */
  activeRequirementIds: run.activeRequirements.map((requirement) => requirement.id),
})
export type RunView = ReturnType<typeof runView>

/** Encoded once per event, however many subscribers it goes to (a live event is one object for all). */
const encodedEvents = new WeakMap<RunEvent, RunEventView>()

export const eventView = (event: RunEvent): RunEventView => {
  const cached = encodedEvents.get(event)
  if (cached !== undefined) return cached
  const encoded = encodeEvent(event)
  encodedEvents.set(event, encoded)
  return encoded
}
export type RunEventView = typeof RunEvent.Encoded

export const approvalView = (approval: ApprovalRecord): ApprovalView => encodeApproval(approval)
export type ApprovalView = typeof ApprovalRecord.Encoded

/**
 * A page of the queue; `total`: how many match, or at least how many when `totalExact` is false
 * (counting stops past the page); `changeSeq`: follow `approvals.changes` after it to miss
 * nothing the page does not show.
 */
export const approvalPageView = (page: Approval.ApprovalListing) => ({
  approvals: page.approvals.map(approvalView),
  total: page.total,
  totalExact: page.totalExact,
  changeSeq: page.changeSeq,
})

const encodeGrant = Schema.encodeSync(Grant.Grant)

/** A grant, with where it stands: `active`, `used` (a `once` grant that let its call through) or `revoked`. */
export const grantView = (grant: Grant.Grant) => ({ ...encodeGrant(grant), status: Grant.statusOf(grant) })
export type GrantView = ReturnType<typeof grantView>

/** A change to the queue, numbered across the queue (`seq`), with the approval as it stands when sent. */
export const approvalChangeView = (update: ApprovalUpdate) => ({
  seq: update.seq,
  approvalId: update.approvalId,
  status: update.status,
  approval: approvalView(update.approval),
})
export type ApprovalChangeView = ReturnType<typeof approvalChangeView>

export const requirementsView = (records: ReadonlyArray<RequirementRecord>) => encodeRequirements(records)

/**
 * A run in a listing: where it stands as of its last stop, without its transcript or requirements
 * (`runs.get` has them, and where it stands now). A listing of interrupted runs shows them so.
 */
export const runSummaryView = (run: RunRecord, interrupted = false) => ({
  runId: run.runId,
  agentId: run.agentId,
  kind: run.kind ?? 'agent',
  sessionId: run.sessionId,
  userId: run.userId,
  status: interrupted ? ('running' as const) : run.status,
  interrupted,
  /** What it was asked. */
  input: run.input,
  content: run.content,
  error: run.error,
  /** The ids of the requirements waiting for a decision now (empty unless paused). */
  activeRequirementIds: run.pendingRequirementIds,
  /** How its decisions went so far: absent until one was counted (and on runs stored before). */
  decisions: run.decisions,
  createdAt: run.createdAt,
  updatedAt: run.updatedAt,
})
export type RunSummaryView = ReturnType<typeof runSummaryView>

/**
 * A page of runs (`interrupted` when it lists interrupted runs); `total`: how many match, or at
 * least how many when `totalExact` is false (counting stops past the page).
 */
export const runPageView = (page: RunPage, interrupted = false) => ({
  runs: page.runs.map((run) => runSummaryView(run, interrupted)),
  total: page.total,
  totalExact: page.totalExact,
})

/** A pending requirement someone may decide, with the run it holds up. */
export const awaitingView = (requirement: RequirementRecord, run: RunRecord) => {
  const encoded = encodeRequirement(requirement)
  return {
    requirementId: encoded.id,
    runId: encoded.runId,
    definitionId: run.agentId,
    definitionKind: run.kind ?? 'agent',
    /** The member whose call it is, in a team's or workflow's run. */
    member: encoded.member,
    kind: encoded.kind,
    toolCall: encoded.toolCall,
    request: encoded.request,
    createdAt: encoded.createdAt,
    expiresAt: encoded.expiresAt,
  }
}
export type AwaitingView = ReturnType<typeof awaitingView>
