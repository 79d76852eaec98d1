import { describe, expect, it } from 'vitest'
import { failure, useClients, useServer } from './harness.js'

/*
 * Approve with changes, over the wire: the approver's arguments are the tool's, the call runs with
 * them, and the record keeps both; anything else is refused and changes nothing.
 */

const server = useServer()
const as = useClients(server)

describe('approve with changes', () => {
  it('the run goes on with the approved arguments; the approval keeps both', async () => {
    const paused = await as('alice').runs.start.mutate({ agentId: 'finance', input: 'Refund' })
    const approvalId = paused.activeRequirementIds[0]!
    const decided = await as('ann').approvals.decide.mutate({
      approvalId,
      answer: { approved: true, args: { amount: 120 } },
    })
    expect(decided).toMatchObject({ toolArgs: { amount: 500 }, editedArgs: { amount: 120 } })
    const done = await as('alice').runs.get.query({ runId: paused.runId })
    expect(done).toMatchObject({ status: 'completed', content: 'Done: refunded 120' })
  })

  it('arguments the tool does not take, or changes with a rejection: InvalidResolution, and nothing changes', async () => {
    const paused = await as('alice').runs.start.mutate({ agentId: 'finance', input: 'Refund' })
    const approvalId = paused.activeRequirementIds[0]!
    for (const answer of [
      { approved: true, args: { amount: 'all of it' } },
      { approved: true, args: { amount: 1, to: 'elsewhere' } },
      { approved: false, note: 'no', args: { amount: 1 } },
    ])
      expect(await failure(as('ann').approvals.decide.mutate({ approvalId, answer }))).toMatchObject({
        code: 'BAD_REQUEST',
        error: { _tag: 'InvalidResolution' },
      })
    const approval = await as('ann').approvals.get.query({ approvalId })
    expect(approval).toMatchObject({ status: 'pending', toolArgs: { amount: 500 } })
    expect(approval.editedArgs).toBeUndefined()
  })
})
