import {
  type Approval,
  ApprovalRecord,
  Message,
  type Requirement,
  RequirementRecord,
  RunEvent,
  type RunOutput,
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

export const eventView = (event: RunEvent): RunEventView => encodeEvent(event)
export type RunEventView = typeof RunEvent.Encoded

export const approvalView = (approval: ApprovalRecord): ApprovalView => encodeApproval(approval)
export type ApprovalView = typeof ApprovalRecord.Encoded

export const approvalPageView = (page: Approval.ApprovalPage) => ({
  approvals: page.approvals.map(approvalView),
  total: page.total,
})

export const requirementsView = (records: ReadonlyArray<RequirementRecord>) => encodeRequirements(records)
