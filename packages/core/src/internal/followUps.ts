import { Effect, Option } from 'effect'
import { dueSteps, FollowUp, type FollowUpPlan, type FollowUpStep, planIn } from '../FollowUp.js'
import { channelsFor, type Notifier } from '../Notifications.js'
import * as Outbox from '../Outbox.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'
import type { RunStore } from '../RunStore.js'
import { aboutRequirement } from './notificationOf.js'

/** How many pending approvals a sweep reads at a time. */
const pageSize = 500

/** The step as recorded: an escalation names its roles and channels. */
const followUpOf = (requirement: RequirementRecord, plan: FollowUpPlan, step: FollowUpStep, at: number) =>
  new FollowUp({
    runId: requirement.runId,
    requirementId: requirement.id,
    step,
    at,
    ...(step === 'escalated' && plan.escalate?.roles !== undefined ? { roles: plan.escalate.roles } : {}),
    ...(step === 'escalated' && plan.escalate?.channels !== undefined
      ? { channels: plan.escalate.channels }
      : {}),
  })

/** The deliveries of a step: to the routes of its event, and an escalation's own channels besides. */
const deliveriesOf = (
  notifier: Notifier,
  requirement: RequirementRecord,
  run: RunRecord,
  followUp: FollowUp,
) => {
  const event = followUp.step === 'reminded' ? 'requirement.reminded' : 'requirement.escalated'
  const notification = aboutRequirement(notifier.panelUrl, event, requirement, run, {
    occurredAt: followUp.at,
    ...(followUp.step === 'escalated'
      ? {
          escalation: {
            level: 1,
            ...(followUp.roles === undefined ? {} : { approverRoles: followUp.roles }),
          },
        }
      : {}),
  })
  const channels = new Set([
    ...channelsFor(notifier.routes, notification, requirement.member?.agentId),
    ...(followUp.channels ?? []).filter((channel) => notifier.channels.includes(channel)),
  ])
  return [...channels].map((channel) => Outbox.pending(notification, channel))
}

/**
 * Reminds and escalates the pending approvals of `agentIds` whose steps are due at `now`: each
 * step is recorded by the store once (with its notifications' deliveries), so passes in several
 * processes, or again after a restart, neither repeat nor lose one. Answers the requirement ids
 * of the steps this pass recorded.
 */
export const followUp = (
  store: RunStore,
  notifier: Option.Option<Notifier>,
  agentIds: ReadonlySet<string>,
  now: number,
) =>
  Effect.gen(function* () {
    const done = { reminded: [] as Array<string>, escalated: [] as Array<string> }
    for (let offset = 0; ; offset += pageSize) {
      const { approvals } = yield* store.listApprovals({
        status: 'pending',
        type: 'required',
        offset,
        limit: pageSize,
      })
      for (const approval of approvals) {
        if (!agentIds.has(approval.source.id)) continue
        const found = yield* store.getRequirement(approval.runId, approval.id)
        if (Option.isNone(found) || found.value.status !== 'pending') continue
        const requirement = found.value
        const plan = planIn(requirement.request)
        const due =
          plan === undefined ? [] : dueSteps(plan, requirement.createdAt, requirement.expiresAt, now)
        if (plan === undefined || due.length === 0) continue
        const recorded = new Set((yield* store.listFollowUps(requirement.id)).map(({ step }) => step))
        const run = Option.isSome(notifier) ? yield* store.getRun(requirement.runId) : Option.none()
        for (const step of due.filter((candidate) => !recorded.has(candidate))) {
          const performed = followUpOf(requirement, plan, step, now)
          const deliveries =
            Option.isSome(notifier) && Option.isSome(run)
              ? deliveriesOf(notifier.value, requirement, run.value, performed)
              : []
          if (!(yield* store.recordFollowUp(performed, deliveries))) continue
          done[step].push(requirement.id)
          if (deliveries.length > 0 && Option.isSome(notifier)) yield* notifier.value.written
        }
      }
      if (approvals.length < pageSize) return done
    }
  })
