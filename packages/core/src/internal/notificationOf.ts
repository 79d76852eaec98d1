import { Option, Schema } from 'effect'
import * as Approval from '../Approval.js'
import {
  type DecisionSummary,
  maxInputLength,
  type Notification,
  type NotificationEvent,
  type RequirementSummary,
  type RunSummary,
  version,
} from '../Notification.js'
import { Decision, ExternalResult, UserInputAnswer } from '../RequirementPlugin.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'
import { UserInputField } from '../UserInputField.js'

/*
 * Notifications as built from what a store is given to write: the run's record and the
 * requirement as raised or decided. Their ids are derived from what they tell of, so a write
 * retried builds the same notification.
 */

const decodeForm = Schema.decodeUnknownOption(Schema.Struct({ fields: Schema.Array(UserInputField) }))
const decodeMessage = Schema.decodeUnknownOption(Schema.Struct({ message: Schema.String }))
const decodeDecision = Schema.decodeUnknownOption(Decision)
const decodeAnswer = Schema.decodeUnknownOption(UserInputAnswer)
const decodeResult = Schema.decodeUnknownOption(ExternalResult)

/** What a person is asked, in a few words. */
const titles: Readonly<Record<string, (tool: string) => string>> = {
  approval: (tool) => `Approval needed: ${tool}`,
  confirmation: (tool) => `Confirm: ${tool}`,
  user_input: (tool) => `Input needed: ${tool}`,
  dynamic_user_input: (tool) => `Input needed: ${tool}`,
  external_execution: (tool) => `Run outside the agent: ${tool}`,
  step_confirmation: (step) => `Confirm step: ${step}`,
  step_user_input: (step) => `Input needed for step: ${step}`,
  step_output_review: (step) => `Review the output of step: ${step}`,
  route_selection: (step) => `Choose a route: ${step}`,
  interrupted_call: (tool) => `Interrupted call to check: ${tool}`,
  model_failure: (step) => `Model failure to handle: ${step}`,
}

const runSummary = (run: RunRecord): RunSummary => ({
  runId: run.runId,
  agentId: run.agentId,
  status: run.status,
  ...(run.userId === undefined ? {} : { userId: run.userId }),
  principal: { id: run.principal.id },
  input: run.input.length > maxInputLength ? `${run.input.slice(0, maxInputLength - 1)}…` : run.input,
})

/** How a decision came out, from its value's shape (kinds of any plugin answer with one of these). */
const decisionOf = (requirement: RequirementRecord): DecisionSummary | undefined => {
  const resolution = requirement.resolution
  if (resolution === undefined) return undefined
  const by = { id: resolution.resolvedBy.id }
  if (resolution.lapsed !== undefined) return { by, outcome: resolution.lapsed }
  const decision = Option.getOrUndefined(decodeDecision(resolution.value))
  if (decision !== undefined)
    return {
      by,
      outcome: decision.approved ? 'confirmed' : 'rejected',
      ...(decision.note === undefined ? {} : { note: decision.note }),
      ...(decision.args === undefined ? {} : { editedArgs: decision.args }),
    }
  if (Option.isSome(decodeAnswer(resolution.value))) return { by, outcome: 'answered' }
  const result = Option.getOrUndefined(decodeResult(resolution.value))
  if (result !== undefined) return { by, outcome: 'error' in result ? 'error' : 'result' }
  return { by, outcome: 'answered' }
}

const statusOf = (decision: DecisionSummary | undefined): string => {
  switch (decision?.outcome) {
    case undefined:
      return 'pending'
    case 'confirmed':
      return 'approved'
    case 'rejected':
    case 'expired':
    case 'cancelled':
      return decision.outcome
    default:
      return 'answered'
  }
}

const requirementSummary = (
  requirement: RequirementRecord,
  run: RunRecord,
  decision: DecisionSummary | undefined,
): RequirementSummary => {
  const tool = requirement.toolCall.name
  const approval = requirement.kind === Approval.kind ? Approval.fromRequirement(requirement, run) : undefined
  const reason = approval?.reason ?? Option.getOrUndefined(decodeMessage(requirement.request))?.message
  const fields = Option.getOrUndefined(decodeForm(requirement.request))?.fields
  return {
    runId: requirement.runId,
    requirementId: requirement.id,
    kind: requirement.kind,
    title: (titles[requirement.kind] ?? ((name: string) => `${requirement.kind}: ${name}`))(tool),
    toolName: tool,
    args: requirement.toolCall.args,
    ...(reason === undefined ? {} : { reason }),
    ...(approval?.policy === undefined ? {} : { policy: approval.policy }),
    ...(approval === undefined ? {} : { approvalId: approval.id, approvalType: approval.type }),
    ...(fields === undefined ? {} : { fields }),
    ...(requirement.expiresAt === undefined ? {} : { expiresAt: requirement.expiresAt }),
    status: statusOf(decision),
  }
}

/** The control panel's page of a run, at the requirement if given (its address is a hash route). */
export const linkTo = (panelUrl: string, runId: string, requirementId?: string) =>
  `${panelUrl.replace(/\/+$/, '')}/#/runs/${encodeURIComponent(runId)}` +
  (requirementId === undefined ? '' : `/${encodeURIComponent(requirementId)}`)

/** A notification about `requirement` (raised, or as its resolution says), in `run`. */
export const aboutRequirement = (
  panelUrl: string,
  event: NotificationEvent,
  requirement: RequirementRecord,
  run: RunRecord,
  extra: {
    readonly occurredAt?: number
    readonly idSuffix?: string
    readonly escalation?: Notification['escalation']
  } = {},
): Notification => {
  const decision = decisionOf(requirement)
  return {
    version,
    id: `${requirement.id}.${event.replace('requirement.', '')}${extra.idSuffix ?? ''}`,
    event,
    occurredAt: extra.occurredAt ?? requirement.resolution?.resolvedAt ?? requirement.createdAt,
    link: linkTo(panelUrl, requirement.runId, requirement.id),
    run: runSummary(run),
    requirement: requirementSummary(requirement, run, decision),
    ...(decision === undefined ? {} : { decision }),
    ...(extra.escalation === undefined ? {} : { escalation: extra.escalation }),
  }
}

/** The event of a requirement's resolution: lapsed past its deadline, or decided (a cancel included). */
export const resolvedEvent = (requirement: RequirementRecord): NotificationEvent =>
  requirement.resolution?.lapsed === 'expired' ? 'requirement.expired' : 'requirement.decided'

export const runEnded = (panelUrl: string, run: RunRecord): Notification => ({
  version,
  id: `${run.runId}.ended`,
  event: 'run.ended',
  occurredAt: run.updatedAt,
  link: linkTo(panelUrl, run.runId),
  run: runSummary(run),
})
