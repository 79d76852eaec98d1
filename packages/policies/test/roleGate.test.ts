import { Approval, DefinitionError, Principal, Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { amountThreshold, roleGate } from '../src/index.js'
import {
  approver,
  clerk,
  expectRefused,
  financeApprover,
  makeAgent,
  oneCall,
  refundScript,
  refundTool,
  single,
} from './fixtures.js'

const everyAmount = amountThreshold({ above: 0 })
const financeOnRefunds = roleGate({ tools: { process_refund: ['finance'] } })

describe('roleGate', () => {
  it('refuses an approver without a listed role; one with it succeeds and the tool runs once', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 50 }), [everyAmount, financeOnRefunds])
    const paused = await agent.run('refund A-1')
    const resolutions = [Resolutions.confirm(single(paused.activeRequirements).id)]

    await expectRefused(
      agent.continueRun({ runId: paused.runId, resolutions }, { principal: approver }),
      approver.id,
      'policy "roleGate(process_refund: finance)" does not allow it',
    )
    expect(ledger.calls).toEqual([])

    const done = await agent.continueRun({ runId: paused.runId, resolutions }, { principal: financeApprover })
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('narrows and never widens: the role alone does not make someone an approver', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 50 }), [everyAmount, financeOnRefunds])
    const paused = await agent.run('refund A-1')
    await expectRefused(
      agent.continueRun(
        { runId: paused.runId, resolutions: [Resolutions.confirm(single(paused.activeRequirements).id)] },
        { principal: clerk },
      ),
      clerk.id,
      `the rules of kind "${Approval.kind}" do not allow it`,
    )
    expect(ledger.calls).toEqual([])
  })

  it('accepts any one of the roles listed for the tool', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 50 }), [
      everyAmount,
      roleGate({ tools: { process_refund: ['finance', 'support-lead'] } }),
    ])
    const paused = await agent.run('refund A-1')
    await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(single(paused.activeRequirements).id)] },
      { principal: new Principal({ id: 'sam', roles: ['approver', 'support-lead'] }) },
    )
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('leaves the calls of tools it does not list to the other rules', async () => {
    const { agent, ledger } = makeAgent(
      [oneCall('send_payout', { supplier: 'Acme', amount: 50 }), 'Paid.'],
      [everyAmount, financeOnRefunds],
    )
    const paused = await agent.run('pay Acme')
    await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(single(paused.activeRequirements).id)] },
      { principal: approver },
    )
    expect(ledger.count('send_payout')).toBe(1)
  })

  it('gates every kind on the tool by default, and only the kinds given when told', async () => {
    const confirmed = (ledger: Parameters<typeof refundTool>[0]) => [
      refundTool(ledger, { requiresConfirmation: true }),
    ]
    const gated = makeAgent(refundScript({ amount: 5 }), [financeOnRefunds], { tools: confirmed })
    const paused = await gated.agent.run('refund A-1')
    const confirmation = single(paused.activeRequirements)
    expect(confirmation.kind).toBe('confirmation')
    const resolutions = [Resolutions.confirm(confirmation.id)]
    await expectRefused(
      gated.agent.continueRun({ runId: paused.runId, resolutions }, { principal: approver }),
      approver.id,
    )
    await gated.agent.continueRun({ runId: paused.runId, resolutions }, { principal: clerk })
    expect(gated.ledger.count('process_refund')).toBe(1)

    const approvalsOnly = makeAgent(
      refundScript({ amount: 5 }),
      [roleGate({ tools: { process_refund: ['finance'] }, kinds: [Approval.kind] })],
      { tools: confirmed },
    )
    const open = await approvalsOnly.agent.run('refund A-1')
    await approvalsOnly.agent.continueRun(
      { runId: open.runId, resolutions: [Resolutions.confirm(single(open.activeRequirements).id)] },
      { principal: approver },
    )
    expect(approvalsOnly.ledger.count('process_refund')).toBe(1)
  })

  it('lets nobody resolve the requirements of a tool listed with no roles', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 50 }), [
      everyAmount,
      roleGate({ tools: { process_refund: [] } }),
    ])
    const paused = await agent.run('refund A-1')
    const resolutions = [Resolutions.confirm(single(paused.activeRequirements).id)]
    for (const principal of [approver, financeApprover, new Principal({ id: 'root', roles: ['admin'] })])
      await expectRefused(
        agent.continueRun({ runId: paused.runId, resolutions }, { principal }),
        principal.id,
      )
    expect(ledger.calls).toEqual([])
  })

  it.each([
    { case: 'no tools', options: { tools: {} } },
    { case: 'roles that are not a list', options: { tools: { process_refund: 'finance' as never } } },
    { case: 'an empty role name', options: { tools: { process_refund: [''] } } },
    { case: 'an empty list of kinds', options: { tools: { process_refund: ['finance'] }, kinds: [] } },
  ])('refuses $case when it is made', ({ options }) => {
    expect(() => roleGate(options)).toThrow(DefinitionError)
  })
})
