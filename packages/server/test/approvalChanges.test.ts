import { describe, expect, it } from 'vitest'
import { followChanges, summaryOf } from './approvalFeed.js'
import { useClients, useServer } from './harness.js'

const server = useServer()
const as = useClients(server)

/** Alice's run of the finance agent, paused on the approval of its refund; answers the approval's id. */
const pausedOnApproval = async () => {
  const paused = await as('alice').runs.start.mutate({ agentId: 'finance', input: 'Refund 500' })
  expect(paused.status).toBe('paused')
  return { runId: paused.runId, approvalId: paused.activeRequirementIds[0]! }
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index)

describe('approvals.changes over the wire', () => {
  it('an approver listing the queue, then following it from changeSeq, sees the approval raised, then approved', async () => {
    const ann = as('ann')
    const { changeSeq } = await ann.approvals.list.query({ status: 'pending' })
    const feed = followChanges(ann, { afterSeq: changeSeq })

    const { approvalId } = await pausedOnApproval()
    await feed.until(1)
    expect(feed.changes().map(summaryOf)).toStrictEqual([
      { seq: changeSeq + 1, approvalId, status: 'pending', approvalStatus: 'pending' },
    ])
    const decided = await ann.approvals.decide.mutate({ approvalId, answer: { approved: true, note: 'ok' } })
    await feed.until(2)

    expect(feed.changes().map(summaryOf)).toStrictEqual([
      { seq: changeSeq + 1, approvalId, status: 'pending', approvalStatus: 'pending' },
      { seq: changeSeq + 2, approvalId, status: 'approved', approvalStatus: 'approved' },
    ])
    // Each tracked by its number; the approval as the queue reads it.
    expect(feed.received.map(({ id }) => id)).toStrictEqual([String(changeSeq + 1), String(changeSeq + 2)])
    expect(feed.changes()[1]!.approval).toStrictEqual(decided)
    expect((await ann.approvals.list.query({ status: 'pending' })).changeSeq).toBe(changeSeq + 2)
  })

  it('afterSeq and lastEventId replay only the changes after them, from the store', async () => {
    const ann = as('ann')
    const { changeSeq } = await ann.approvals.list.query({ limit: 1 })
    const { approvalId } = await pausedOnApproval()
    await ann.approvals.decide.mutate({ approvalId, answer: { approved: false, note: 'no receipt' } })

    const replayed = followChanges(ann, { afterSeq: changeSeq })
    const resumed = followChanges(ann, { afterSeq: 0, lastEventId: String(changeSeq + 1) })
    await Promise.all([replayed.until(2), resumed.until(1)])

    expect(replayed.changes().map(summaryOf)).toStrictEqual([
      // Replayed, a change carries the approval as it is now.
      { seq: changeSeq + 1, approvalId, status: 'pending', approvalStatus: 'rejected' },
      { seq: changeSeq + 2, approvalId, status: 'rejected', approvalStatus: 'rejected' },
    ])
    expect(resumed.changes().map(summaryOf)).toStrictEqual([replayed.changes().map(summaryOf)[1]])
  })

  it('a socket the server drops mid-stream reconnects after the last change: none lost or repeated', async () => {
    const ann = as('ann')
    const { changeSeq } = await ann.approvals.list.query({ limit: 1 })
    const feed = followChanges(ann, { afterSeq: changeSeq })
    const first = await pausedOnApproval()
    await feed.until(1)

    server().send('drop-sockets')
    expect(await server().nextLine((line) => line.startsWith('dropped '))).not.toBe('dropped 0')
    // Written while the subscriber is cut off: they come on the new socket.
    await ann.approvals.decide.mutate({ approvalId: first.approvalId, answer: { approved: true } })
    const second = await pausedOnApproval()
    await feed.until(3)

    expect(feed.changes().map(({ seq, approvalId, status }) => [seq, approvalId, status])).toStrictEqual([
      [changeSeq + 1, first.approvalId, 'pending'],
      [changeSeq + 2, first.approvalId, 'approved'],
      [changeSeq + 3, second.approvalId, 'pending'],
    ])
    expect(feed.received.map(({ id }) => Number(id))).toStrictEqual(range(changeSeq + 1, 3))
  })

  it('an admin may follow the queue; a user is FORBIDDEN (RoleRequired), and a bad afterSeq is BAD_REQUEST', async () => {
    const root = as('root')
    const { changeSeq } = await root.approvals.list.query({ limit: 1 })
    const admin = followChanges(root, { afterSeq: changeSeq })
    const user = followChanges(as('alice'), {})
    const negative = followChanges(as('ann'), { afterSeq: -1 })
    const { approvalId } = await pausedOnApproval()

    await admin.until(1)
    expect(admin.changes().map(({ approvalId }) => approvalId)).toStrictEqual([approvalId])
    const refused = await user.failure()
    expect(refused.data).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'RoleRequired', principalId: 'alice', roles: ['approver', 'admin'] },
    })
    expect(user.received).toStrictEqual([])
    expect((await negative.failure()).data?.code).toBe('BAD_REQUEST')
  })
})
