import { Approval, Countersign, DefinitionError, Resolutions } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { amountThreshold } from '../src/index.js'
import { approver, makeAgent, oneCall, refundScript, single } from './fixtures.js'

const refundsOver100 = amountThreshold({ tools: ['process_refund'], argument: 'amount', above: 100 })

describe('amountThreshold', () => {
  it('pauses a call over the limit for an approval; once approved, the tool runs once', async () => {
    const { agent, ledger } = makeAgent(refundScript({ amount: 250 }), [refundsOver100])
    const paused = await agent.run('refund A-1')
    expect(paused.status).toBe('paused')
    const approval = single(paused.activeRequirements)
    expect(approval).toMatchObject({
      kind: Approval.kind,
      toolCall: { name: 'process_refund', args: { orderId: 'A-1', amount: 250 } },
      request: { message: 'A call to process_refund with amount 250 is over the limit of 100.' },
    })
    expect(ledger.calls).toEqual([])

    const done = await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(approval.id)] },
      { principal: approver },
    )
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it("the approval record says why and which policy asked, for the approver's card", async () => {
    const { agent } = makeAgent(refundScript({ amount: 250 }), [refundsOver100])
    const paused = await agent.run('refund A-1')
    const app = new Countersign({ agents: [agent], sweepEvery: false })
    const approval = await app.approvals.get(single(paused.activeRequirements).id)
    expect(approval).toMatchObject({
      reason: 'A call to process_refund with amount 250 is over the limit of 100.',
      policy: 'amountThreshold(amount > 100)',
    })
    await app.dispose()
  })

  it.each([{ amount: 100 }, { amount: 99.99 }, { amount: 0 }, { amount: -500 }])(
    'lets a call of $amount (not over the limit) run without asking',
    async ({ amount }) => {
      const { agent, ledger } = makeAgent(refundScript({ amount }), [refundsOver100])
      const done = await agent.run('refund A-1')
      expect(done.status).toBe('completed')
      expect(done.requirements).toEqual([])
      expect(ledger.calls).toEqual([{ tool: 'process_refund', args: { orderId: 'A-1', amount } }])
    },
  )

  it('leaves tools it does not list alone, whatever their amount', async () => {
    const { agent, ledger } = makeAgent(
      [oneCall('send_payout', { supplier: 'Acme', amount: 10_000 }), 'Paid.'],
      [refundsOver100],
    )
    expect((await agent.run('pay Acme')).status).toBe('completed')
    expect(ledger.count('send_payout')).toBe(1)
  })

  it('judges every tool when none is listed, and passes calls that have no such argument', async () => {
    const everyTool = amountThreshold({ above: 100 })
    const payout = makeAgent(
      [oneCall('send_payout', { supplier: 'Acme', amount: 101 }), 'Paid.'],
      [everyTool],
    )
    const paused = await payout.agent.run('pay Acme')
    expect(single(paused.activeRequirements).kind).toBe(Approval.kind)
    expect(payout.ledger.calls).toEqual([])

    const lookup = makeAgent([oneCall('lookup_order', { orderId: 'A-1' }), 'Delivered.'], [everyTool])
    expect((await lookup.agent.run('where is A-1?')).status).toBe('completed')
    expect(lookup.ledger.count('lookup_order')).toBe(1)
  })

  it('reads the argument it is told to, and shows the message it is given', async () => {
    const policy = amountThreshold({
      tools: ['send_payout'],
      argument: 'amount',
      above: 1_000,
      message: (call, amount) => `Payout of ${amount} to ${String(call.args.supplier)}`,
    })
    const { agent } = makeAgent(
      [oneCall('send_payout', { supplier: 'Acme', amount: 1_500 }), 'Paid.'],
      [policy],
    )
    const paused = await agent.run('pay Acme')
    expect(single(paused.activeRequirements).request).toMatchObject({ message: 'Payout of 1500 to Acme' })
  })

  describe('fails closed: an amount it cannot read needs an approval', () => {
    it.each([
      { case: 'missing', args: {}, shown: 'missing' },
      { case: 'a numeric string', args: { amount: '500' }, shown: '"500"' },
      { case: 'a word', args: { amount: 'lots' }, shown: '"lots"' },
      { case: 'null', args: { amount: null }, shown: 'null' },
    ])('on a listed tool, when the amount is $case', async ({ args, shown }) => {
      const { agent, ledger } = makeAgent(refundScript(args), [refundsOver100])
      const paused = await agent.run('refund A-1')
      expect(paused.status).toBe('paused')
      const approval = single(paused.activeRequirements)
      expect(approval.kind).toBe(Approval.kind)
      expect(approval.request).toMatchObject({
        message: `A call to process_refund needs an approval: its amount (${shown}) is not a number, so it cannot be checked against the limit of 100.`,
      })
      expect(ledger.calls).toEqual([])
    })

    it('on any tool when none is listed, if the argument is there but not a number', async () => {
      const { agent, ledger } = makeAgent(refundScript({ amount: '5' }), [amountThreshold({ above: 100 })])
      const paused = await agent.run('refund A-1')
      expect(single(paused.activeRequirements).kind).toBe(Approval.kind)
      expect(ledger.calls).toEqual([])
    })

    it('and an approver who rejects it keeps the tool from running; the model is told', async () => {
      const { agent, ledger, model } = makeAgent(refundScript({ amount: 'lots' }), [refundsOver100])
      const paused = await agent.run('refund A-1')
      const done = await agent.continueRun(
        {
          runId: paused.runId,
          resolutions: [Resolutions.reject(single(paused.activeRequirements).id, 'Say how much')],
        },
        { principal: approver },
      )
      expect(done.status).toBe('completed')
      expect(ledger.calls).toEqual([])
      expect(model.requests.at(-1)?.messages.at(-1)).toMatchObject({
        _tag: 'Tool',
        outcome: 'skipped',
        content: 'An approver rejected the call to process_refund: Say how much',
      })
    })
  })

  it.each([
    { case: 'a limit that is not a number', options: { above: Number.NaN } },
    { case: 'a limit given as text', options: { above: '100' as unknown as number } },
    { case: 'an empty list of tools', options: { above: 100, tools: [] } },
    { case: 'an empty argument name', options: { above: 100, argument: '' } },
  ])('refuses $case when it is made', ({ options }) => {
    expect(() => amountThreshold(options)).toThrow(DefinitionError)
  })

  it('is named after what it checks', () => {
    expect(refundsOver100.name).toBe('amountThreshold(amount > 100)')
    expect(amountThreshold({ above: 5, name: 'big-refunds' }).name).toBe('big-refunds')
  })
})
