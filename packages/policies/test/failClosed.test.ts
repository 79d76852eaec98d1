import { Confirmation, Policy, Resolutions } from '@countersign/core'
import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { all, amountThreshold, any, businessHours, expiry, separationOfDuties } from '../src/index.js'
import { approver, expectPolicyFailed, expectRefused, makeAgent, refundScript, single } from './fixtures.js'

/*
 * Policies fail closed: a policy that throws, rejects, fails, dies or answers nonsense never lets
 * a call through. In `evaluate` or `expiry` the call is blocked (the run fails with PolicyFailed
 * and the tool never runs); in `mayResolve` the resolution is refused (NotAllowedToResolve). The
 * stock policies and the composites keep to it, whatever their members or callbacks do.
 */

const outages = [
  {
    how: 'throws',
    answer: () => {
      throw new Error('rules service down')
    },
  },
  { how: 'rejects its promise', answer: () => Promise.reject(new Error('rules service down')) },
  { how: 'fails its Effect', answer: () => Effect.fail(new Error('rules service down')) },
  { how: 'dies in its Effect', answer: () => Effect.die(new Error('rules service down')) },
] as const

const asks = Policy.make('asks', () => [Confirmation.need({ message: 'asks' })])
const quiet = Policy.make('quiet', () => [])
const open = Policy.make({ name: 'open', mayResolve: () => true })
const everyRefund = amountThreshold({ above: 0 })

/** Runs one refund of 500 under `policies`. */
const refund = async (policies: ReadonlyArray<Policy.Policy>) => {
  const { agent, ledger } = makeAgent(refundScript({ amount: 500 }), policies)
  return { agent, ledger, output: await agent.run('refund A-1') }
}

describe('fail closed in evaluate: the call is blocked', () => {
  describe.each([
    ...outages,
    { how: 'answers something that is not a list', answer: () => 'allow' },
    { how: 'answers a list of things that are not requirements', answer: () => [{ approve: true }] },
  ])('when a member $how', ({ answer }) => {
    const flaky = Policy.make('flaky', answer as never)

    it.each([
      { composite: all(flaky, quiet), why: 'even where `all` would ask for nothing' },
      { composite: all(quiet, flaky), why: 'whatever its place' },
      { composite: any(asks, flaky), why: 'even where another member asks' },
      { composite: any(all(flaky, asks), quiet), why: 'however deeply it is nested' },
    ])('$composite.name: $why', async ({ composite }) => {
      const { output, ledger } = await refund([composite])
      expectPolicyFailed(output, composite.name, 'process_refund', 'member "')
      expect(output.error).toMatch(/member "flaky" failed in evaluate/)
      expect(ledger.calls).toEqual([])
    })
  })

  it('when a plain policy beside the stock ones throws', async () => {
    const flaky = Policy.make('flaky', outages[0].answer)
    const { output, ledger } = await refund([everyRefund, separationOfDuties(), flaky])
    expectPolicyFailed(output, 'flaky', 'process_refund', 'rules service down')
    expect(ledger.calls).toEqual([])
  })

  it.each([
    {
      how: 'throws',
      now: () => {
        throw new Error('no time server')
      },
      reason: 'no time server',
    },
    { how: 'gives an invalid date', now: () => new Date('not a date'), reason: 'not a valid Date' },
    { how: 'gives something else', now: () => '2025-01-08' as unknown as Date, reason: 'not a valid Date' },
  ])("when businessHours' clock $how", async ({ now, reason }) => {
    const policy = businessHours({ now })
    const { output, ledger } = await refund([policy])
    expectPolicyFailed(output, policy.name, 'process_refund', reason)
    expect(ledger.calls).toEqual([])
  })

  it("when amountThreshold's message throws", async () => {
    const policy = amountThreshold({
      above: 100,
      message: () => {
        throw new Error('no template')
      },
    })
    const { output, ledger } = await refund([policy])
    expectPolicyFailed(output, policy.name, 'process_refund', 'no template')
    expect(ledger.calls).toEqual([])
  })
})

describe('fail closed in expiry: the call is blocked', () => {
  it.each([
    ...outages,
    { how: 'answers something that is not an expiry', answer: () => 'tomorrow' },
    { how: 'answers a duration that does not decode', answer: () => ({ after: 'soon', onExpire: 'reject' }) },
    { how: 'answers an unknown onExpire', answer: () => ({ after: '1 hour', onExpire: 'explode' }) },
  ])('when a member $how', async ({ answer }) => {
    const composite = any(
      expiry({ after: '1 hour' }),
      Policy.make({ name: 'flaky', expiry: answer as never }),
    )
    const { output, ledger } = await refund([everyRefund, composite])
    expectPolicyFailed(output, composite.name, 'process_refund')
    expect(ledger.calls).toEqual([])
  })

  it('when a plain policy beside the stock ones throws', async () => {
    const flaky = Policy.make({ name: 'flaky', expiry: outages[0].answer })
    const { output, ledger } = await refund([everyRefund, expiry({ after: '1 hour' }), flaky])
    expectPolicyFailed(output, 'flaky', 'process_refund', 'rules service down')
    expect(ledger.calls).toEqual([])
  })
})

describe('fail closed in mayResolve: the resolution is refused', () => {
  it.each([...outages, { how: 'answers something that is not a boolean', answer: () => 'yes' }])(
    'when a member $how, even where another member allows under `any`',
    async ({ answer }) => {
      const composite = any(open, Policy.make({ name: 'flaky', mayResolve: answer as never }))
      const { agent, ledger, output } = await refund([everyRefund, composite])
      const resolutions = [Resolutions.confirm(single(output.activeRequirements).id)]
      await expectRefused(
        agent.continueRun({ runId: output.runId, resolutions }, { principal: approver }),
        approver.id,
        `policy "${composite.name}" failed: member "flaky" failed in mayResolve`,
      )
      expect((await agent.getRun(output.runId)).status).toBe('paused')
      expect(ledger.calls).toEqual([])
    },
  )

  it('when a plain policy beside the stock ones throws', async () => {
    const flaky = Policy.make({ name: 'flaky', mayResolve: outages[0].answer })
    const { agent, ledger, output } = await refund([everyRefund, separationOfDuties(), flaky])
    const resolutions = [Resolutions.confirm(single(output.activeRequirements).id)]
    await expectRefused(
      agent.continueRun({ runId: output.runId, resolutions }, { principal: approver }),
      approver.id,
      'policy "flaky" failed: rules service down',
    )
    expect(ledger.calls).toEqual([])
  })
})
