import { Clock, Effect } from 'effect'
import {
  InvalidResolution,
  NotAllowedToResolve,
  RequirementAlreadyResolved,
  RequirementNotFound,
} from '../Errors.js'
import * as Approval from '../Approval.js'
import { escalatedRoles } from '../FollowUp.js'
import * as Policy from '../Policy.js'
import type { ToolCall } from '../Message.js'
import { RequiredApproval } from '../plugins/RequiredApproval.js'
import type { Principal } from '../Principal.js'
import type { RequirementRecord, ResolutionInput } from '../Requirement.js'
import type { AnyRequirementPlugin } from '../RequirementPlugin.js'
import type { RunRecord } from '../Run.js'
import type { Tool } from '../Tool.js'
import { decodeRequest, validateResolution } from './requirementAnswers.js'
import { type Judge, ownerOf, type Runnable } from '../Runnable.js'

/** Why a decision's changed arguments are not the tool's, if they are not. */
const changedArgumentsRefusal = (tool: Tool | undefined, value: unknown): string | undefined => {
  const args = (value as { readonly args?: unknown } | null)?.args
  if (args === undefined || typeof value !== 'object') return undefined
  if (tool === undefined) return 'the call it changes is not a tool of the agent any more'
  const reason = tool.checkArgs(args)
  return reason === undefined ? undefined : `the changed arguments are not the tool's: ${reason}`
}

/** Calls a rule of someone else's code: a throw refuses, as policies fail closed. */
const allows = (rule: () => boolean) => {
  try {
    return rule() === true
  } catch {
    return false
  }
}

/** How strict the engine is about who decides: set once per deployment (see `EngineOptions`). */
export interface DecisionRules {
  /** Whether the requester may approve their own calls; separation of duties is the default. */
  readonly allowSelfApproval: boolean
}

export const defaultRules: DecisionRules = { allowSelfApproval: false }

interface Judged {
  readonly kind: string
  readonly toolCall: ToolCall
  readonly request: unknown
  readonly runId: string
  /** Who asked: the run's principal. */
  readonly runPrincipal: Principal
  /** Roles an escalation that is due admits among those who may decide (see FollowUp). */
  readonly escalatedTo?: ReadonlyArray<string>
}

/**
 * Why `principal` may not resolve a requirement, or undefined if they may: the kind's rule (for
 * an approval, the tool's own approvers if it names them), separation of duties for approvals,
 * then every policy of the agent.
 */
const refusal = Effect.fnUntraced(function* (
  agent: Judge,
  plugin: AnyRequirementPlugin,
  principal: Principal,
  judged: Judged,
  rules: DecisionRules,
) {
  const context = { request: judged.request, runPrincipal: judged.runPrincipal, toolCall: judged.toolCall }
  const declared = agent.tools.get(judged.toolCall.name)?.flags.approval
  const approvers =
    judged.kind === Approval.kind && declared?.type === 'required' ? declared.approvers : undefined
  const admittedByEscalation = judged.escalatedTo?.some((role) => principal.roles.includes(role)) === true
  if (!admittedByEscalation && !allows(() => (approvers ?? plugin.mayResolve)(principal, context)))
    return approvers === undefined
      ? `the rules of kind "${judged.kind}" do not allow it`
      : "the tool's approvers do not include them"
  if (judged.kind === Approval.kind && !rules.allowSelfApproval && principal.id === judged.runPrincipal.id)
    return 'nobody approves their own calls (separation of duties)'
  for (const policy of agent.policies) {
    const refused = yield* Policy.refusal(policy, { principal, ...judged, agentId: agent.id })
    if (refused !== undefined) return refused
  }
  return undefined
})

/**
 * Why `principal` may not approve ahead of time (a grant) calls like `toolCall` of the agent in
 * runs of `requester`, if they may not: as if `requester` had asked for each. Separation of
 * duties keeps approvers from granting themselves.
 */
export const mayApprove = (
  agent: Judge,
  principal: Principal,
  {
    toolCall,
    runId,
    requester,
  }: { readonly toolCall: ToolCall; readonly runId: string; readonly requester: Principal },
  rules: DecisionRules,
) =>
  refusal(
    agent,
    RequiredApproval,
    principal,
    { kind: Approval.kind, toolCall, request: {}, runId, runPrincipal: requester },
    rules,
  )

/**
 * Checks every answer of a request before any is recorded (bad input changes nothing): the
 * requirement is one of the run's committed pause, answered once, by someone allowed to, in
 * the shape of its kind.
 */
export const checkResolutions = Effect.fnUntraced(function* (
  definition: Runnable,
  run: RunRecord,
  requirements: ReadonlyArray<RequirementRecord>,
  inputs: ReadonlyArray<ResolutionInput>,
  principal: Principal,
  rules: DecisionRules,
) {
  const runId = run.runId
  const seen = new Set<string>()
  const checked: Array<{ requirement: RequirementRecord; value: unknown }> = []
  for (const { requirementId, value } of inputs) {
    const requirement = requirements.find((candidate) => candidate.id === requirementId)
    // A pending requirement outside the committed pause is the leftover of a pause that never committed.
    if (
      requirement === undefined ||
      (requirement.status === 'pending' && !run.pendingRequirementIds.includes(requirementId))
    )
      return yield* new RequirementNotFound({ runId, requirementId })
    if (seen.has(requirementId))
      return yield* new InvalidResolution({
        requirementId,
        kind: requirement.kind,
        reason: 'it is answered twice in one request',
      })
    seen.add(requirementId)
    if (requirement.status !== 'pending') return yield* new RequirementAlreadyResolved({ requirementId })
    const agent = ownerOf(definition, requirement)
    const plugin = agent?.plugins.get(requirement.kind)
    if (agent === undefined || plugin === undefined)
      return yield* new InvalidResolution({
        requirementId,
        kind: requirement.kind,
        reason:
          agent === undefined
            ? `its member "${requirement.member?.agentId}" is not part of "${definition.id}" any more`
            : 'no plugin for this kind is registered on the agent',
      })
    // Who may answer comes before what the answer is: a stranger learns nothing from the errors.
    const request = yield* decodeRequest(plugin, requirement)
    const refused = yield* refusal(
      agent,
      plugin,
      principal,
      {
        kind: requirement.kind,
        toolCall: requirement.toolCall,
        request,
        runId,
        runPrincipal: run.principal,
        escalatedTo: escalatedRoles(
          requirement.request,
          requirement.createdAt,
          yield* Clock.currentTimeMillis,
        ),
      },
      rules,
    )
    if (refused !== undefined)
      return yield* new NotAllowedToResolve({ requirementId, principalId: principal.id, reason: refused })
    const valid = yield* validateResolution(plugin, requirement, value)
    const unfit =
      plugin.answers === 'decision'
        ? changedArgumentsRefusal(agent.tools.get(requirement.toolCall.name), valid)
        : undefined
    if (unfit !== undefined)
      return yield* new InvalidResolution({ requirementId, kind: requirement.kind, reason: unfit })
    checked.push({ requirement, value: valid })
  }
  return checked
})
