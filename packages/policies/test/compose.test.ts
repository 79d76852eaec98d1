import {
  Approval,
  Confirmation,
  DefinitionError,
  NotAllowedToResolve,
  Policy,
  Principal,
  Resolutions,
} from '@countersign/core'
import { describe, expect, it } from 'vitest'
import {
  all,
  amountThreshold,
  any,
  businessHours,
  expiry,
  roleGate,
  separationOfDuties,
} from '../src/index.js'
import {
  approver,
  deadlineOf,
  expectRefused,
  lookupTool,
  makeAgent,
  oneCall,
  refundScript,
  requester,
  single,
} from './fixtures.js'

/** A member that asks for a confirmation on every call, showing its own name. */
const asks = (name: string) => Policy.make(name, () => [Confirmation.need({ message: name })])
/** A member that asks for nothing. */
const quiet = (name: string) => Policy.make(name, () => [])
const allows = (name: string) => Policy.make({ name, mayResolve: () => true })
const denies = (name: string) => Policy.make({ name, mayResolve: () => Promise.resolve(false) })

const lookupScript = [oneCall('lookup_order', { orderId: 'A-1' }), 'Found.']

/** What a lookup needs under `policy`: the messages of its requirements, and whether it ran (when nothing was asked). */
const lookupUnder = async (policy: Policy.Policy) => {
  const { agent, ledger } = makeAgent(lookupScript, [policy])
  const output = await agent.run('find A-1')
  return {
    asked: output.activeRequirements.map(
      (requirement) => (requirement.request as { message: string }).message,
    ),
    ran: ledger.count('lookup_order'),
  }
}

describe('all and any: which requirements a call gets', () => {
  it.each([
    { members: ['asks', 'asks'], all: ['a', 'b'], any: ['a', 'b'] },
    { members: ['asks', 'quiet'], all: [], any: ['a'] },
    { members: ['quiet', 'asks'], all: [], any: ['b'] },
    { members: ['quiet', 'quiet'], all: [], any: [] },
  ])('a $members.0, b $members.1: all asks for $all, any for $any', async (row) => {
    const [a, b] = row.members.map((kind, index) => {
      const name = index === 0 ? 'a' : 'b'
      return kind === 'asks' ? asks(name) : quiet(name)
    })
    expect(await lookupUnder(all(a!, b!))).toEqual({ asked: row.all, ran: row.all.length === 0 ? 1 : 0 })
    expect(await lookupUnder(any(a!, b!))).toEqual({ asked: row.any, ran: row.any.length === 0 ? 1 : 0 })
  })

  it('asks for the same requirement once, however many members ask for it', async () => {
    expect(await lookupUnder(any(asks('a'), asks('a')))).toEqual({ asked: ['a'], ran: 0 })
  })

  it('leaves out of `all` the members that do not judge calls', async () => {
    expect(await lookupUnder(all(asks('a'), separationOfDuties()))).toEqual({ asked: ['a'], ran: 0 })
  })

  describe('approvals: one at most, with every reason', () => {
    const saturday = () => new Date('2025-01-11T12:00:00Z')
    const wednesday = () => new Date('2025-01-08T12:00:00Z')
    const overLimit = 'A call to process_refund with amount 500 is over the limit of 100.'
    const outOfHours =
      'A call to process_refund outside business hours (Mon,Tue,Wed,Thu,Fri 09:00-17:00 UTC) needs an approval.'
    const refund = async (policy: Policy.Policy, amount: number) => {
      const { agent, ledger } = makeAgent(refundScript({ amount }), [policy])
      const output = await agent.run('refund A-1')
      return { output, ran: ledger.count('process_refund') }
    }

    it('all: a large refund at the weekend needs one approval, saying both; on a weekday it runs', async () => {
      const weekendLarge = (now: () => Date) => all(amountThreshold({ above: 100 }), businessHours({ now }))
      const { output } = await refund(weekendLarge(saturday), 500)
      const approval = single(output.activeRequirements)
      expect(approval.kind).toBe(Approval.kind)
      expect(approval.request).toMatchObject({ message: `${overLimit}\n${outOfHours}` })

      expect(await refund(weekendLarge(wednesday), 500)).toMatchObject({
        output: { status: 'completed' },
        ran: 1,
      })
      expect(await refund(weekendLarge(saturday), 50)).toMatchObject({
        output: { status: 'completed' },
        ran: 1,
      })
    })

    it('any: a large refund or a weekend one needs one approval; a small one on a weekday runs', async () => {
      const eitherOf = (now: () => Date) => any(amountThreshold({ above: 100 }), businessHours({ now }))
      const both = await refund(eitherOf(saturday), 500)
      expect(single(both.output.activeRequirements).request).toMatchObject({
        message: `${overLimit}\n${outOfHours}`,
      })
      const large = await refund(eitherOf(wednesday), 500)
      expect(single(large.output.activeRequirements).request).toMatchObject({ message: overLimit })
      expect(large.ran).toBe(0)
      expect(await refund(eitherOf(wednesday), 50)).toMatchObject({ output: { status: 'completed' }, ran: 1 })
    })
  })
})

describe('all and any: who may resolve', () => {
  const confirmedLookup = (policy: Policy.Policy) =>
    makeAgent(lookupScript, [policy], {
      tools: (ledger) => [lookupTool(ledger, { requiresConfirmation: true })],
    })

  /** Whether `approver` may confirm a lookup under `policy`: the tool ran, or NotAllowedToResolve. */
  const mayConfirm = async (policy: Policy.Policy) => {
    const { agent, ledger } = confirmedLookup(policy)
    const paused = await agent.run('find A-1')
    const resolutions = [Resolutions.confirm(single(paused.activeRequirements).id)]
    const error: unknown = await agent
      .continueRun({ runId: paused.runId, resolutions }, { principal: approver })
      .then(
        () => undefined,
        (cause: unknown) => cause,
      )
    const allowed = error === undefined
    if (!allowed) expect(error).toBeInstanceOf(NotAllowedToResolve)
    expect(ledger.count('lookup_order')).toBe(allowed ? 1 : 0)
    return allowed
  }

  it.each([
    { a: true, b: true, all: true, any: true },
    { a: true, b: false, all: false, any: true },
    { a: false, b: true, all: false, any: true },
    { a: false, b: false, all: false, any: false },
  ])('a allows: $a, b allows: $b → all: $all, any: $any', async (row) => {
    const a = row.a ? allows('a') : denies('a')
    const b = row.b ? allows('b') : denies('b')
    expect(await mayConfirm(all(a, b))).toBe(row.all)
    expect(await mayConfirm(any(a, b))).toBe(row.any)
  })

  it('counts under `any` only the members that judge resolvers', async () => {
    expect(await mayConfirm(any(denies('a'), expiry({ after: '1 hour' })))).toBe(false)
  })

  it('any(separationOfDuties, roleGate): nobody approves their own refund, unless an admin', async () => {
    const policy = any(separationOfDuties(), roleGate({ tools: { process_refund: ['admin'] } }))
    const attempt = async (runBy: Principal, decidedBy: Principal) => {
      const { agent, ledger } = makeAgent(
        refundScript({ amount: 500 }),
        [amountThreshold({ above: 100 }), policy],
        { allowSelfApproval: true },
      )
      const paused = await agent.run('refund A-1', { principal: runBy })
      const resolutions = [Resolutions.confirm(single(paused.activeRequirements).id)]
      return {
        result: agent.continueRun({ runId: paused.runId, resolutions }, { principal: decidedBy }),
        ledger,
      }
    }
    const refused = await attempt(requester, requester)
    await expectRefused(refused.result, requester.id, 'does not allow it')
    expect(refused.ledger.calls).toEqual([])

    const admin = new Principal({ id: 'root', roles: ['admin'] })
    const own = await attempt(admin, admin)
    expect((await own.result).status).toBe('completed')
    expect(own.ledger.count('process_refund')).toBe(1)

    const other = await attempt(requester, approver)
    expect((await other.result).status).toBe('completed')
    expect(other.ledger.count('process_refund')).toBe(1)
  })
})

describe('all and any: deadlines', () => {
  it.each([{ compose: all }, { compose: any }])(
    '$compose.name takes the earliest any member sets',
    async ({ compose }) => {
      const policy = compose(
        expiry({ after: '2 hours' }),
        expiry({ after: '1 day', kinds: [Approval.kind] }),
        expiry({ after: '30 minutes', onExpire: 'cancel' }),
        expiry({ after: '1 minute', kinds: ['confirmation'] }), // sets nothing on an approval
      )
      const { agent } = makeAgent(refundScript({ amount: 500 }), [amountThreshold({ above: 100 }), policy])
      const paused = await agent.run('refund A-1')
      expect(await deadlineOf(agent, paused.runId, single(paused.activeRequirements).id)).toEqual({
        after: 30 * 60 * 1_000,
        onExpire: 'cancel',
      })
    },
  )

  it('sets none when no member does', async () => {
    const { agent } = makeAgent(refundScript({ amount: 500 }), [
      amountThreshold({ above: 100 }),
      all(expiry({ after: '1 minute', tools: ['send_payout'] }), separationOfDuties()),
    ])
    const paused = await agent.run('refund A-1')
    expect(await deadlineOf(agent, paused.runId, single(paused.activeRequirements).id)).toBeUndefined()
  })
})

describe('all and any: as policies', () => {
  it('are named from their members, and nest', () => {
    expect(all(asks('a'), quiet('b')).name).toBe('all(a, b)')
    expect(any(all(asks('a'), quiet('b')), allows('c')).name).toBe('any(all(a, b), c)')
  })

  it('have only the parts some member has', () => {
    const judgesCalls = any(amountThreshold({ above: 1 }), businessHours())
    expect(judgesCalls.evaluate).toBeDefined()
    expect(judgesCalls.mayResolve).toBeUndefined()
    expect(judgesCalls.expiry).toBeUndefined()
    const judgesResolvers = all(separationOfDuties(), roleGate({ tools: { x: ['y'] } }))
    expect(judgesResolvers.evaluate).toBeUndefined()
    expect(judgesResolvers.mayResolve).toBeDefined()
  })

  it.each([
    { case: 'no members', members: [] },
    { case: 'a member that is not a policy', members: [undefined as unknown as Policy.Policy] },
  ])('refuse $case when they are made', ({ members }) => {
    expect(() => all(...members)).toThrow(DefinitionError)
    expect(() => any(...members)).toThrow(DefinitionError)
  })
})
