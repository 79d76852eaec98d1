import { Approval, DefinitionError, Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { amountThreshold, separationOfDuties } from '../src/index.js'
import {
  approver,
  expectRefused,
  makeAgent,
  refundScript,
  refundTool,
  requester,
  single,
  lookupTool,
} from './fixtures.js'

const largeRefunds = amountThreshold({ tools: ['process_refund'], above: 100 })

/**
 * A refund of 500 by `requester` (an approver themselves), paused for an approval, in a
 * deployment that relaxed the engine's own separation of duties: the policy draws the line.
 */
const pausedRefund = async (policies = [largeRefunds, separationOfDuties()], allowSelfApproval = true) => {
  const { agent, ledger } = makeAgent(refundScript({ amount: 500 }), policies, { allowSelfApproval })
  const paused = await agent.run('refund A-1', { principal: requester })
  const approval = single(paused.activeRequirements)
  expect(approval.kind).toBe(Approval.kind)
  return { agent, ledger, runId: paused.runId, approvalId: approval.id }
}

describe('separationOfDuties', () => {
  it('refuses the requester, even with the approver role; another approver succeeds and the tool runs once', async () => {
    const { agent, ledger, runId, approvalId } = await pausedRefund()

    await expectRefused(
      agent.continueRun({ runId, resolutions: [Resolutions.confirm(approvalId)] }, { principal: requester }),
      requester.id,
      'policy "separationOfDuties" does not allow it',
    )
    expect((await agent.getRun(runId)).status).toBe('paused')
    expect(ledger.calls).toEqual([])

    const done = await agent.continueRun(
      { runId, resolutions: [Resolutions.confirm(approvalId)] },
      { principal: approver },
    )
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
    expect(done.requirements[0]?.resolvedBy).toEqual(approver)
  })

  it('refuses a resolution made without a principal: it is made as the requester', async () => {
    const { agent, ledger, runId, approvalId } = await pausedRefund()
    await expectRefused(
      agent.continueRun({ runId, resolutions: [Resolutions.confirm(approvalId)] }),
      requester.id,
    )
    expect(ledger.calls).toEqual([])
  })

  it('tells people apart by id: someone else with the same roles may approve', async () => {
    const { agent, ledger, runId, approvalId } = await pausedRefund()
    await agent.continueRun(
      { runId, resolutions: [Resolutions.confirm(approvalId)] },
      { principal: { id: 'rob', roles: requester.roles } },
    )
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('is what refuses where self-approval is allowed: without it, the requester who is an approver approves their own refund', async () => {
    const { agent, ledger, runId, approvalId } = await pausedRefund([largeRefunds])
    const done = await agent.continueRun(
      { runId, resolutions: [Resolutions.confirm(approvalId)] },
      { principal: requester },
    )
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('is not needed for approvals by default: the engine refuses the requester on its own', async () => {
    const { agent, ledger, runId, approvalId } = await pausedRefund([largeRefunds], false)
    await expectRefused(
      agent.continueRun({ runId, resolutions: [Resolutions.confirm(approvalId)] }, { principal: requester }),
      requester.id,
      'nobody approves their own calls (separation of duties)',
    )
    expect(ledger.calls).toEqual([])
  })

  it('guards only the kinds it is given: by default a requester still confirms their own confirmation', async () => {
    const script = [{ toolCalls: [{ name: 'lookup_order', args: { orderId: 'A-1' } }] }, 'Found.']
    const tools = (ledger: Parameters<typeof lookupTool>[0]) => [
      lookupTool(ledger, { requiresConfirmation: true }),
    ]

    const byDefault = makeAgent(script, [separationOfDuties()], { tools })
    const paused = await byDefault.agent.run('find A-1', { principal: requester })
    const confirmation = single(paused.activeRequirements)
    expect(confirmation.kind).toBe('confirmation')
    await byDefault.agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(confirmation.id)] },
      { principal: requester },
    )
    expect(byDefault.ledger.count('lookup_order')).toBe(1)

    const guarded = makeAgent(script, [separationOfDuties({ kinds: ['confirmation'] })], { tools })
    const again = await guarded.agent.run('find A-1', { principal: requester })
    const id = single(again.activeRequirements).id
    await expectRefused(
      guarded.agent.continueRun(
        { runId: again.runId, resolutions: [Resolutions.confirm(id)] },
        { principal: requester },
      ),
      requester.id,
    )
    await guarded.agent.continueRun(
      { runId: again.runId, resolutions: [Resolutions.confirm(id)] },
      { principal: approver },
    )
    expect(guarded.ledger.count('lookup_order')).toBe(1)
  })

  it('applies to approvals a tool asks for itself', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 5 }), [separationOfDuties()], {
      tools: (ledger) => [refundTool(ledger, { approval: Approval.approval({ type: 'required' }) })],
    })
    const paused = await agent.run('refund A-1', { principal: requester })
    const resolutions = [Resolutions.confirm(single(paused.activeRequirements).id)]
    await expectRefused(
      agent.continueRun({ runId: paused.runId, resolutions }, { principal: requester }),
      requester.id,
    )
    await agent.continueRun({ runId: paused.runId, resolutions }, { principal: approver })
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('refuses an empty list of kinds when it is made', () => {
    expect(() => separationOfDuties({ kinds: [] })).toThrow(DefinitionError)
  })
})
