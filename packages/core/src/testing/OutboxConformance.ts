import { Option } from 'effect'
import { describe, expect } from 'vitest'
import { FollowUp } from '../FollowUp.js'
import * as Outbox from '../Outbox.js'
import { Delivery, type DeliveryClaim } from '../Outbox.js'
import type { Notification } from '../Notification.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunStore } from '../RunStore.js'
import type { ConformanceKit } from './ApprovalConformance.js'
import { failureOf } from './failureOf.js'
import {
  batchOf,
  pausedEvent,
  race,
  run,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  T0,
} from './StoreConformance.js'

/** A notification that `requirement` was raised (or `event`), every optional field of its parts set. */
export const sampleNotification = (
  requirement: RequirementRecord,
  event: Notification['event'] = 'requirement.raised',
  occurredAt = T0 + 10,
): Notification => ({
  version: 1,
  id: `${requirement.id}-${event}`,
  event,
  occurredAt,
  link: `https://panel.example/approvals/${requirement.id}`,
  run: {
    runId: requirement.runId,
    agentId: 'refund-agent',
    status: 'paused',
    userId: 'user-ada',
    principal: { id: 'user-ada', name: 'Ada' },
    input: 'Refund order #1042, it arrived broken',
  },
  requirement: {
    runId: requirement.runId,
    requirementId: requirement.id,
    kind: requirement.kind,
    title: 'Approval needed: issue_refund',
    toolName: 'issue_refund',
    args: { orderId: 1042, amount: 129.5, nested: { $ref: 'x', 'a.b': [1, null] } },
    reason: 'Refund over 100 EUR',
    policy: 'big-refunds',
    approvalId: requirement.id,
    approvalType: 'required',
    fields: [{ name: 'note', type: 'string', required: false, description: 'Why' }],
    expiresAt: T0 + 60_000,
    status: 'pending',
  },
  decision: { by: { id: 'grace' }, outcome: 'confirmed', note: 'ok', editedArgs: { amount: 100 } },
  escalation: { level: 1, approverRoles: ['finance-leads'] },
})

/**
 * The outbox: deliveries written with the commit or decision they tell of (and only if it is
 * in), claimed under a lease by one claimer each, and recorded attempt by attempt.
 */
export const describeOutboxConformance = ({ test, uid }: ConformanceKit): void => {
  const list = (store: RunStore, filter: Outbox.DeliveryFilter) => run(store.listDeliveries(filter))

  /** A run paused by a commit raising one approval, writing its `requirement.raised` to `channels`. */
  const pausedNotifying = async (store: RunStore, channels: ReadonlyArray<string>, occurredAt = T0 + 10) => {
    const runId = uid('run')
    const requirement = sampleRequirement(runId, uid('req'))
    await run(store.createRun(sampleRun(runId)))
    const record = sampleRun(runId, { status: 'paused', lastSeq: 1, pendingRequirementIds: [requirement.id] })
    const deliveries = channels.map((channel) =>
      Outbox.pending(sampleNotification(requirement, 'requirement.raised', occurredAt), channel),
    )
    await run(
      store.commit(batchOf(runId, [pausedEvent(runId, 1, [requirement])]), record, [requirement], deliveries),
    )
    return { runId, requirement, deliveries }
  }

  const claimOf = (channels: ReadonlyArray<string>, changes: Partial<DeliveryClaim> = {}): DeliveryClaim => ({
    owner: 'dispatcher-a',
    now: T0 + 1_000,
    leaseUntil: T0 + 31_000,
    channels,
    limit: 10,
    ...changes,
  })

  describe('outbox', () => {
    test('a commit writes its deliveries, pending, with the notification as given', async (store) => {
      const channel = uid('hook')
      const { runId, requirement, deliveries } = await pausedNotifying(store, [channel, `${channel}-2`])

      const listed = await list(store, { runId })
      expect(listed).toStrictEqual(deliveries)
      expect(listed[0]).toMatchObject({ status: 'pending', attempts: 0, requirementId: requirement.id })
      expect(await list(store, { runId, channel })).toStrictEqual([deliveries[0]])
    })

    test('a commit refused for a taken sequence number writes none of its deliveries', async (store) => {
      const channel = uid('hook')
      const { runId } = await pausedNotifying(store, [channel])
      const late = sampleRequirement(runId, uid('req'))
      const refused = store.commit(
        batchOf(runId, [pausedEvent(runId, 1, [late])]),
        sampleRun(runId, { status: 'paused', lastSeq: 1, pendingRequirementIds: [late.id] }),
        [late],
        [Outbox.pending(sampleNotification(late), channel)],
      )
      expect((await failureOf(refused))._tag).toBe('EventSequenceConflict')
      expect(await list(store, { requirementId: late.id })).toStrictEqual([])
    })

    test('a decision writes its deliveries; a losing decision writes none', async (store) => {
      const channel = uid('hook')
      const { runId, requirement } = await pausedNotifying(store, [channel])
      const decided = (by: string) =>
        store.resolveRequirement(runId, requirement.id, sampleResolution(by), [
          Outbox.pending(
            { ...sampleNotification(requirement, 'requirement.decided', T0 + 100), id: `decided-by-${by}` },
            channel,
          ),
        ])
      const { winners, losers } = await race([decided('grace'), decided('linus'), decided('ada')])

      expect(winners).toHaveLength(1)
      expect(losers.map(({ _tag }) => _tag)).toStrictEqual([
        'RequirementAlreadyResolved',
        'RequirementAlreadyResolved',
      ])
      const written = await list(store, { requirementId: requirement.id })
      expect(written.map(({ notification }) => notification.event)).toStrictEqual([
        'requirement.raised',
        'requirement.decided',
      ])
      expect(written[1]?.notification.id).toBe(`decided-by-${winners[0]?.resolution?.resolvedBy.id}`)
    })

    test('a decision carried by a claim writes its deliveries with it; a claim refused writes none of its own', async (store) => {
      const channel = uid('hook')
      const { runId, requirement } = await pausedNotifying(store, [channel])
      const claimDeciding = (by: string, at: number) =>
        store.appendBatch({
          ...batchOf(runId, [{ _tag: 'RunContinued', runId, seq: 2, at }]),
          decisions: [
            {
              requirementId: requirement.id,
              resolution: sampleResolution(by),
              deliveries: [
                Outbox.pending(
                  { ...sampleNotification(requirement, 'requirement.decided', at), id: `decided-by-${by}` },
                  channel,
                ),
              ],
            },
          ],
        })
      const { winners, losers } = await race([
        claimDeciding('grace', T0 + 100),
        claimDeciding('linus', T0 + 101),
        claimDeciding('ada', T0 + 102),
      ])

      expect(winners).toHaveLength(1)
      expect(losers.map(({ _tag }) => _tag)).toStrictEqual([
        'RequirementAlreadyResolved',
        'RequirementAlreadyResolved',
      ])
      const decided = await run(store.getRequirement(runId, requirement.id))
      const written = await list(store, { requirementId: requirement.id })
      expect(written.map(({ notification }) => notification.event)).toStrictEqual([
        'requirement.raised',
        'requirement.decided',
      ])
      expect(written[1]?.notification.id).toBe(
        `decided-by-${Option.getOrThrow(decided).resolution?.resolvedBy.id}`,
      )
    })

    test('a claim takes due deliveries of its channels only, earliest first, counting the attempt', async (store) => {
      const [mine, theirs] = [uid('hook'), uid('slack')]
      const first = await pausedNotifying(store, [mine, theirs])
      const second = await pausedNotifying(store, [mine], T0 + 5)

      const claimed = await run(store.claimDeliveries(claimOf([mine])))
      expect(claimed.map(({ id }) => id)).toStrictEqual([second.deliveries[0]?.id, first.deliveries[0]?.id])
      expect(claimed.map(({ attempts }) => attempts)).toStrictEqual([1, 1])
      // Not before it is due.
      expect(await run(store.claimDeliveries(claimOf([theirs], { now: T0 })))).toStrictEqual([])
      expect(await run(store.claimDeliveries(claimOf([mine], { limit: 1 })))).toStrictEqual([])
    })

    test('a claimed delivery is not claimed again while its lease holds; after, it is, its attempt counted', async (store) => {
      const channel = uid('hook')
      const { deliveries } = await pausedNotifying(store, [channel])
      await run(store.claimDeliveries(claimOf([channel])))

      const during = await run(store.claimDeliveries(claimOf([channel], { owner: 'b', now: T0 + 30_000 })))
      const after = await run(
        store.claimDeliveries(claimOf([channel], { owner: 'b', now: T0 + 31_000, leaseUntil: T0 + 61_000 })),
      )
      expect(during).toStrictEqual([])
      expect(after.map(({ id, attempts }) => [id, attempts])).toStrictEqual([[deliveries[0]?.id, 2]])
    })

    test('recorded attempts: a retry is due again at its time, a success or a failure for good never', async (store) => {
      const channel = uid('hook')
      const { runId, deliveries } = await pausedNotifying(store, [channel, `${channel}-b`, `${channel}-c`])
      const channels = deliveries.map((delivery) => delivery.channel)
      const [retried, delivered, failed] = deliveries.map(({ id }) => id)
      await run(store.claimDeliveries(claimOf(channels)))
      await run(
        store.recordDelivery(retried!, {
          _tag: 'Retry',
          at: T0 + 1_100,
          error: 'HTTP 503',
          nextAttemptAt: T0 + 5_000,
        }),
      )
      await run(
        store.recordDelivery(delivered!, {
          _tag: 'Delivered',
          at: T0 + 1_200,
          receipt: { ts: '1.2', ok: true },
        }),
      )
      await run(store.recordDelivery(failed!, { _tag: 'Failed', at: T0 + 1_300, error: 'HTTP 410' }))
      // A late record of the success's attempt changes nothing.
      await run(store.recordDelivery(delivered!, { _tag: 'Failed', at: T0 + 1_400, error: 'late' }))

      const byId = new Map((await list(store, { runId })).map((delivery) => [delivery.id, delivery] as const))
      expect(byId.get(retried!)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 503',
        lastAttemptAt: T0 + 1_100,
        nextAttemptAt: T0 + 5_000,
      })
      expect(byId.get(delivered!)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        deliveredAt: T0 + 1_200,
        receipt: { ts: '1.2', ok: true },
      })
      expect(byId.get(failed!)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 410' })
      expect(await list(store, { runId, status: 'delivered' })).toHaveLength(1)

      expect(
        await run(store.claimDeliveries(claimOf(channels, { now: T0 + 4_999, owner: 'b' }))),
      ).toStrictEqual([])
      const again = await run(store.claimDeliveries(claimOf(channels, { now: T0 + 5_000, owner: 'b' })))
      expect(again.map(({ id, attempts }) => [id, attempts])).toStrictEqual([[retried, 2]])
    })

    test('a reminder or escalation is recorded once, with its deliveries, whoever records it at the same time', async (store) => {
      const channel = uid('hook')
      const { runId, requirement } = await pausedNotifying(store, [])
      const remind = (by: string) =>
        store.recordFollowUp(
          new FollowUp({ runId, requirementId: requirement.id, step: 'reminded', at: T0 + 60_000 }),
          [
            Outbox.pending(
              {
                ...sampleNotification(requirement, 'requirement.reminded', T0 + 60_000),
                id: `reminded-by-${by}`,
              },
              channel,
            ),
          ],
        )
      const outcomes = await Promise.all(['a', 'b', 'c'].map((by) => run(remind(by))))
      const escalation = new FollowUp({
        runId,
        requirementId: requirement.id,
        step: 'escalated',
        at: T0 + 120_000,
        roles: ['finance-leads'],
        channels: ['pager'],
      })
      expect(await run(store.recordFollowUp(escalation))).toBe(true)
      expect(await run(store.recordFollowUp(escalation))).toBe(false)

      expect(outcomes.filter((recorded) => recorded)).toHaveLength(1)
      expect(await run(store.listFollowUps(requirement.id))).toStrictEqual([
        new FollowUp({ runId, requirementId: requirement.id, step: 'reminded', at: T0 + 60_000 }),
        escalation,
      ])
      const written = await list(store, { requirementId: requirement.id })
      expect(written.map(({ notification }) => notification.id)).toStrictEqual([
        `reminded-by-${['a', 'b', 'c'][outcomes.indexOf(true)]}`,
      ])
      expect(await run(store.listFollowUps(uid('req')))).toStrictEqual([])
    })

    test('a delivery or follow-up its Schema refuses fails the write with a StoreError, and nothing of the write is stored', async (store) => {
      // Made without their checks, as a caller with a bug could: attempts are whole, ids are not empty.
      const channel = uid('hook')
      const { runId, requirement } = await pausedNotifying(store, [])
      const refusedDelivery = (notification: Notification) =>
        new Delivery({ ...Outbox.pending(notification, channel), attempts: 0.5 }, true)
      const late = sampleRequirement(runId, uid('req'))
      const before = {
        run: await run(store.getRun(runId)),
        events: await run(store.readEvents(runId, 0)),
        requirements: await run(store.listRequirements(runId)),
      }

      const failures = [
        await failureOf(
          store.commit(
            batchOf(runId, [pausedEvent(runId, 2, [late])]),
            sampleRun(runId, {
              status: 'paused',
              lastSeq: 2,
              pendingRequirementIds: [requirement.id, late.id],
            }),
            [late],
            [refusedDelivery(sampleNotification(late))],
          ),
        ),
        await failureOf(
          store.resolveRequirement(runId, requirement.id, sampleResolution('grace'), [
            refusedDelivery(sampleNotification(requirement, 'requirement.decided')),
          ]),
        ),
        await failureOf(
          store.recordFollowUp(
            new FollowUp({ runId, requirementId: requirement.id, step: 'reminded', at: T0 + 60_000 }),
            [refusedDelivery(sampleNotification(requirement, 'requirement.reminded'))],
          ),
        ),
        await failureOf(
          store.recordFollowUp(
            new FollowUp(
              { runId: '', requirementId: requirement.id, step: 'escalated', at: T0 + 120_000 },
              true,
            ),
          ),
        ),
      ]

      expect(failures.map((error) => error._tag)).toStrictEqual([
        'StoreError',
        'StoreError',
        'StoreError',
        'StoreError',
      ])
      expect({
        run: await run(store.getRun(runId)),
        events: await run(store.readEvents(runId, 0)),
        requirements: await run(store.listRequirements(runId)),
      }).toStrictEqual(before)
      expect(await list(store, { runId })).toStrictEqual([])
      expect(await run(store.listFollowUps(requirement.id))).toStrictEqual([])
    })

    test('concurrent claimers get disjoint deliveries, together all of them', async (store) => {
      const channel = uid('hook')
      const written: Array<Delivery> = []
      for (let index = 0; index < 4; index++)
        written.push(...(await pausedNotifying(store, [channel])).deliveries)

      const claims = await Promise.all(
        ['a', 'b', 'c'].map((owner) => run(store.claimDeliveries(claimOf([channel], { owner, limit: 4 })))),
      )
      const ids = claims.flat().map(({ id }) => id)
      expect(new Set(ids).size).toBe(ids.length)
      expect([...ids].sort()).toStrictEqual(written.map(({ id }) => id).sort())
    })
  })
}
