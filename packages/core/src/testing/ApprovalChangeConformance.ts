import { Effect, Schema } from 'effect'
import { describe, expect } from 'vitest'
import { ApprovalChange } from '../Approval.js'
import type { RequirementRecord } from '../Requirement.js'
import { RunRecord } from '../Run.js'
import type { RunEvent } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'
import {
  type ConformanceKit,
  lapse,
  pause,
  pausedRecord,
  revocationBy,
  sampleApproval,
  sampleGrant,
  useOf,
} from './ApprovalConformance.js'
import { failureOf } from './failureOf.js'
import { batchOf, race, run, sampleRequirement, sampleResolution, sampleRun, T0 } from './StoreConformance.js'

const encodeChanges = Schema.encodeSync(Schema.Array(ApprovalChange))

/** The changes a store should have appended after `before`, numbered on from it. */
const numbered = (
  before: number,
  changes: ReadonlyArray<Omit<ApprovalChange, 'seq'>>,
): ReadonlyArray<ApprovalChange> =>
  changes.map((change, index) => new ApprovalChange({ seq: before + index + 1, ...change }))

/** Every change after `afterSeq`: the store's journal read in one go. */
const changesAfter = (store: RunStore, afterSeq: number) => run(store.readApprovalChanges(afterSeq, 10_000))

/**
 * The approval queue's journal: what every RunStore must append, and how it reads back. Tests
 * read the journal from its end as they found it, so a store shared with earlier tests passes
 * too; writers of other tests never run at the same time.
 */
export const describeApprovalChangeConformance = ({ test, uid }: ConformanceKit): void => {
  describe('approval changes', () => {
    test('every write that raises, records or decides an approval appends its change, numbered on from the last', async (store) => {
      const before = await run(store.lastApprovalChangeSeq())
      const runId = uid('run')
      const [approved, expired, cancelled] = [10, 11, 12].map((at) =>
        sampleRequirement(runId, uid('req'), { createdAt: T0 + at }),
      ) as [RequirementRecord, RequirementRecord, RequirementRecord]
      const form = sampleRequirement(runId, uid('req'), { kind: 'user_input', request: { fields: [] } })
      const paused = await pause(store, pausedRecord(runId), [approved, form, expired, cancelled])
      const grant = sampleGrant(paused.sessionId!, uid('grant'))
      await run(store.createGrant(grant))
      const audit = sampleApproval(runId, uid('approval'), { createdAt: T0 + 20, resolvedAt: T0 + 150 })
      const use = useOf(grant, runId, uid('approval'), { createdAt: T0 + 30, resolvedAt: T0 + 160 })

      await run(store.resolveRequirement(runId, approved.id, sampleResolution('grace', { approved: true })))
      await run(store.resolveRequirement(runId, form.id, sampleResolution('ada', { name: 'Ada' })))
      await run(store.resolveRequirement(runId, expired.id, lapse('expired', T0 + 301)))
      await run(store.resolveRequirement(runId, cancelled.id, lapse('cancelled', T0 + 302)))
      await run(store.recordApproval(audit))
      await run(store.useGrant(grant.id, use))

      const expected = numbered(before, [
        { approvalId: approved.id, status: 'pending', at: T0 + 10 },
        { approvalId: expired.id, status: 'pending', at: T0 + 11 },
        { approvalId: cancelled.id, status: 'pending', at: T0 + 12 },
        { approvalId: approved.id, status: 'approved', at: T0 + 100 },
        { approvalId: expired.id, status: 'expired', at: T0 + 301 },
        { approvalId: cancelled.id, status: 'cancelled', at: T0 + 302 },
        { approvalId: audit.id, status: 'approved', at: T0 + 150 },
        { approvalId: use.id, status: 'approved', at: T0 + 160 },
      ])
      expect(encodeChanges(await changesAfter(store, before))).toStrictEqual(encodeChanges(expected))
      expect(await run(store.lastApprovalChangeSeq())).toBe(before + expected.length)
    })

    test('readApprovalChanges answers the changes after afterSeq in order, at most limit', async (store) => {
      const before = await run(store.lastApprovalChangeSeq())
      const runId = uid('run')
      await run(store.createRun(sampleRun(runId)))
      const audits = [1, 2, 3, 4, 5].map((n) =>
        sampleApproval(runId, uid('approval'), { status: n % 2 === 0 ? 'rejected' : 'approved' }),
      )
      for (const audit of audits) await run(store.recordApproval(audit))
      const all = await changesAfter(store, before)
      const ids = (changes: ReadonlyArray<ApprovalChange>) => changes.map(({ approvalId }) => approvalId)

      expect(ids(all)).toStrictEqual(audits.map(({ id }) => id))
      expect(all.map(({ status }) => status)).toStrictEqual(audits.map(({ status }) => status))
      expect(encodeChanges(await run(store.readApprovalChanges(before + 2, 10_000)))).toStrictEqual(
        encodeChanges(all.slice(2)),
      )
      expect(encodeChanges(await run(store.readApprovalChanges(before + 1, 2)))).toStrictEqual(
        encodeChanges(all.slice(1, 3)),
      )
      expect(await run(store.readApprovalChanges(before + 5, 10_000))).toStrictEqual([])
      expect(await run(store.readApprovalChanges(before, 0))).toStrictEqual([])
    })

    test('writes that change no approval append nothing: a taken id, a lost race, a refused use or commit', async (store) => {
      const runId = uid('run')
      const requirement = sampleRequirement(runId, uid('req'))
      const paused = await pause(store, pausedRecord(runId), [requirement])
      const audit = sampleApproval(runId, uid('approval'))
      await run(store.recordApproval(audit))
      await run(store.resolveRequirement(runId, requirement.id, sampleResolution('grace')))
      const grant = sampleGrant(paused.sessionId!, uid('grant'))
      await run(store.createGrant(grant))
      await run(store.revokeGrant(grant.id, revocationBy('heidi')))
      const before = await run(store.lastApprovalChangeSeq())
      const late = sampleRequirement(runId, uid('req'))
      const conflicting: RunEvent = { _tag: 'RunPaused', runId, seq: 1, at: T0 + 1, requirements: [late] }

      await run(store.recordApproval(sampleApproval(runId, audit.id, { status: 'rejected' })))
      await run(store.recordApproval(sampleApproval(runId, requirement.id)))
      const resolvedAgain = await failureOf(
        store.resolveRequirement(runId, requirement.id, sampleResolution('heidi', { approved: false })),
      )
      const usedRevoked = await failureOf(store.useGrant(grant.id, useOf(grant, runId, uid('approval'))))
      const committedTwice = await failureOf(
        store.commit(
          batchOf(runId, [conflicting]),
          new RunRecord({ ...paused, pendingRequirementIds: [late.id] }),
          [late],
        ),
      )

      expect([resolvedAgain._tag, usedRevoked._tag, committedTwice._tag]).toStrictEqual([
        'RequirementAlreadyResolved',
        'GrantInactive',
        'EventSequenceConflict',
      ])
      expect(await changesAfter(store, before)).toStrictEqual([])
      expect(await run(store.lastApprovalChangeSeq())).toBe(before)
    })

    test('concurrent writers get distinct, consecutive numbers, one per change', async (store) => {
      const before = await run(store.lastApprovalChangeSeq())
      const runId = uid('run')
      const requirements = Array.from({ length: 20 }, () => sampleRequirement(runId, uid('req')))
      await pause(store, pausedRecord(runId), requirements)
      const afterPause = before + requirements.length
      const grant = sampleGrant(`session-of-${runId}`, uid('grant'))
      await run(store.createGrant(grant))
      const audits = Array.from({ length: 20 }, () => sampleApproval(runId, uid('approval')))
      const uses = Array.from({ length: 10 }, () => useOf(grant, runId, uid('approval')))

      const { winners, losers } = await race<unknown, unknown>([
        ...requirements.map((requirement, i) =>
          store.resolveRequirement(runId, requirement.id, sampleResolution(`approver-${i}`)),
        ),
        ...audits.map((audit) => store.recordApproval(audit)),
        ...uses.map((approval) => Effect.asVoid(store.useGrant(grant.id, approval))),
      ])

      expect(losers).toStrictEqual([])
      expect(winners).toHaveLength(50)
      const changes = await changesAfter(store, afterPause)
      expect(changes.map(({ seq }) => seq)).toStrictEqual(
        Array.from({ length: 50 }, (_, index) => afterPause + index + 1),
      )
      const decided = [...requirements, ...audits, ...uses].map(({ id }) => id)
      expect(changes.map(({ approvalId }) => approvalId).sort()).toStrictEqual([...decided].sort())
      expect(await run(store.lastApprovalChangeSeq())).toBe(afterPause + 50)
    })
  })
}
