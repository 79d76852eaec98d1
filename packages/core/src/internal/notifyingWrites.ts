import { Effect, Option } from 'effect'
import type { Notification } from '../Notification.js'
import { channelsFor, type Notifier } from '../Notifications.js'
import * as Outbox from '../Outbox.js'
import type { RequirementRecord, Resolution } from '../Requirement.js'
import { isFinal, type RunRecord } from '../Run.js'
import type { JournalBatch, RunStore } from '../RunStore.js'
import { aboutRequirement, resolvedEvent, runEnded } from './notificationOf.js'

/**
 * The store, its writes that raise or decide requirements (or end a root run) given the
 * deliveries of their notifications to write with them, and the dispatcher told once they are in.
 */
export const notifyingWrites = (store: RunStore, notifier: Notifier): RunStore => {
  const deliveriesOf = (notification: Notification, requirement?: RequirementRecord) =>
    channelsFor(notifier.routes, notification, requirement?.member?.agentId).map((channel) =>
      Outbox.pending(notification, channel),
    )

  const withDeliveries = <A, E>(deliveries: ReadonlyArray<Outbox.Delivery>, write: Effect.Effect<A, E>) =>
    deliveries.length === 0 ? write : Effect.zipLeft(write, notifier.written)

  /** The notification of a decision, as of the run's record and the requirement once decided. */
  const decided = Effect.fnUntraced(function* (
    runId: string,
    requirementId: string,
    resolution: RequirementRecord['resolution'],
  ) {
    const [requirement, run] = yield* Effect.all([
      store.getRequirement(runId, requirementId),
      store.getRun(runId),
    ])
    if (Option.isNone(requirement) || Option.isNone(run) || requirement.value.status !== 'pending') return []
    const resolved = { ...requirement.value, status: 'resolved', resolution } as RequirementRecord
    return deliveriesOf(
      aboutRequirement(notifier.panelUrl, resolvedEvent(resolved), resolved, run.value),
      requirement.value,
    )
  })

  /**
   * The batch with each of its decisions given its notifications' deliveries, written with it as
   * `resolveRequirement` writes them; and all of them, for the dispatcher.
   */
  const withDecided = (batch: JournalBatch) =>
    Effect.map(
      Effect.forEach(batch.decisions ?? [], (decision) =>
        Effect.map(decided(batch.runId, decision.requirementId, decision.resolution), (deliveries) => ({
          ...decision,
          deliveries: [...(decision.deliveries ?? []), ...deliveries],
        })),
      ),
      (decisions) => ({
        batch: decisions.length === 0 ? batch : { ...batch, decisions },
        deliveries: decisions.flatMap(({ deliveries }) => deliveries),
      }),
    )

  return {
    ...store,
    createRun: (run, first) =>
      first === undefined
        ? store.createRun(run)
        : Effect.flatMap(withDecided(first), ({ batch, deliveries }) =>
            withDeliveries(deliveries, store.createRun(run, batch)),
          ),
    appendBatch: (given) =>
      Effect.flatMap(withDecided(given), ({ batch, deliveries }) =>
        withDeliveries(deliveries, store.appendBatch(batch)),
      ),
    commit: (given, run, requirements, stopDeliveries = []) =>
      Effect.flatMap(withDecided(given), ({ batch, deliveries: decidedDeliveries }) => {
        const deliveries = [
          ...stopDeliveries,
          ...requirements
            .filter(({ status }) => status === 'pending')
            .flatMap((requirement) =>
              deliveriesOf(
                aboutRequirement(notifier.panelUrl, 'requirement.raised', requirement, run),
                requirement,
              ),
            ),
          ...(endsRoot(run) ? deliveriesOf(runEnded(notifier.panelUrl, run)) : []),
        ]
        return withDeliveries(
          [...decidedDeliveries, ...deliveries],
          store.commit(batch, run, requirements, deliveries),
        )
      }),
    resolveRequirement: Effect.fnUntraced(function* (
      runId: string,
      requirementId: string,
      resolution: Resolution,
      given: ReadonlyArray<Outbox.Delivery> = [],
    ) {
      const deliveries = [...given, ...(yield* decided(runId, requirementId, resolution))]
      return yield* withDeliveries(
        deliveries,
        store.resolveRequirement(runId, requirementId, resolution, deliveries),
      )
    }),
  }
}

const endsRoot = (run: RunRecord) => run.parentRunId === undefined && isFinal(run.status)
