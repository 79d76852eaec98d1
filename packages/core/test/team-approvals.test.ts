import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  approval,
  Countersign,
  DefinitionError,
  defineAgent,
  defineTeam,
  MemoryStore,
  NotAllowedToResolve,
  Policy,
  Principal,
  Resolutions,
  Tool,
  Confirmation,
} from '../src/index.js'
import { makeLedger, single, type Ledger } from './fixtures.js'
import { delegatingTo, member, reporting } from './teams.js'

/*
 * Approvals raised inside a team's member sit in the one queue, naming the team (the run to
 * continue) and the member (whose call it is); a team's policies apply to its members' calls.
 */

const user = new Principal({ id: 'user-ada', roles: ['user'] })
const approver = new Principal({ id: 'boss-grace', roles: ['approver'] })

const refundTool = (ledger: Ledger) =>
  Tool.make({
    name: 'process_refund',
    description: 'Refund an order',
    parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
    approval: approval({ type: 'required' }),
    execute: (args, ctx) => {
      ledger.record('process_refund', args, ctx.idempotencyKey)
      return `refunded ${args.amount}`
    },
  })

const supportTeam = () => {
  const ledger = makeLedger()
  const store = MemoryStore.make()
  const finance = defineAgent({
    id: 'finance',
    name: 'Finance agent',
    model: reporting([{ name: 'process_refund', args: { orderId: 'A-1', amount: 250 } }], 'finance'),
    tools: [refundTool(ledger)],
  })
  const team = defineTeam({
    id: 'support',
    name: 'Support team',
    model: delegatingTo('finance'),
    members: [finance],
  })
  const app = new Countersign({ teams: [team], store, sweepEvery: false })
  return { app, ledger, store }
}

describe("approvals raised inside a team's member", () => {
  it('are queued naming the team and the member; an approver decides, and the team completes', async () => {
    const { app, ledger } = supportTeam()
    const paused = await app.run('support', 'Refund A-1', {
      userId: user.id,
      sessionId: 's-1',
      principal: user,
    })
    const requirement = single(paused.activeRequirements)
    const { approvals, total } = await app.approvals.list({ status: 'pending' })
    expect(total).toBe(1)
    expect(approvals[0]).toMatchObject({
      id: requirement.id,
      runId: paused.runId,
      source: { type: 'team', id: 'support', name: 'Support team' },
      member: { agentId: 'finance', agentName: 'Finance agent', runId: requirement.member!.runId },
      toolName: 'process_refund',
      requestedBy: { id: user.id },
      runStatus: 'paused',
    })
    expect(await app.approvals.count({ sourceId: 'support', status: 'pending' })).toBe(1)

    // The requester cannot approve their own request, through the team or the queue.
    await expect(
      app.continueRun(
        { runId: paused.runId, resolutions: [Resolutions.confirm(requirement.id)] },
        { principal: user },
      ),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    await expect(
      app.approvals.decide(requirement.id, { approved: true }, { principal: user }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    expect(ledger.count('process_refund')).toBe(0)

    const decided = await app.approvals.decide(
      requirement.id,
      { approved: true, note: 'ok', grant: { scope: 'session', args: 'any' } },
      { principal: approver },
    )
    expect(decided).toMatchObject({ status: 'approved', resolvedBy: { id: approver.id } })
    const done = await app.continueRun({ runId: paused.runId })
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Team: finance: refunded 250')
    expect(ledger.count('process_refund')).toBe(1)
    expect(await app.approvals.get(requirement.id)).toMatchObject({ runStatus: 'completed' })
    // The history follows the call into the member's run.
    expect((await app.approvals.history(requirement.id)).map((entry) => entry._tag)).toEqual([
      'Requested',
      'Decided',
      'CallStarted',
      'CallCompleted',
    ])
    // The grant covers the member's tool: the next refund in the session goes through, recorded.
    const [grant] = await app.grants.list({ sessionId: 's-1' })
    expect(grant).toMatchObject({ sourceId: 'finance', toolName: 'process_refund', uses: 0 })
    const again = await app.run('support', 'Refund A-1 again', {
      userId: user.id,
      sessionId: 's-1',
      principal: user,
    })
    expect(again.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(2)
    const use = await app.approvals.list({ grantId: grant!.id })
    expect(use.approvals[0]).toMatchObject({
      runId: again.runId,
      source: { id: 'support' },
      member: { agentId: 'finance' },
    })
    await app.dispose()
  })

  it("a member's run is read through the team's Countersign; cancelling the team cancels it", async () => {
    const { app, ledger } = supportTeam()
    const paused = await app.run('support', 'Refund A-1', { principal: user })
    const requirement = single(paused.activeRequirements)
    expect((await app.getRun(requirement.member!.runId)).status).toBe('paused')
    await app.cancelRun(paused.runId, { principal: approver })
    expect((await app.getRun(requirement.member!.runId)).status).toBe('cancelled')
    expect(await app.approvals.get(requirement.id)).toMatchObject({
      status: 'cancelled',
      runStatus: 'cancelled',
    })
    expect(ledger.count('process_refund')).toBe(0)
    await app.dispose()
  })
})

describe("a team's policies and definitions", () => {
  it("apply the team's policies to its members' calls", async () => {
    const ledger = makeLedger()
    const confirmEverything = Policy.make('confirm everything', () => [
      Confirmation.need({ message: 'team rule' }),
    ])
    const team = defineTeam({
      id: 'careful',
      model: delegatingTo('worker'),
      members: [member(ledger, 'worker')],
      policies: [confirmEverything],
    })
    const app = new Countersign({ teams: [team], sweepEvery: false })
    const paused = await app.run('careful', 'Work')
    const requirement = single(paused.activeRequirements)
    expect(requirement).toMatchObject({ kind: 'confirmation', request: { message: 'team rule' } })
    expect(requirement.member?.agentId).toBe('worker')
    const done = await app.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(requirement.id)],
    })
    expect(done.status).toBe('completed')
    expect(ledger.count('worker_tool')).toBe(1)
    await app.dispose()
  })

  it('refuses teams without members and ids used twice, at any depth', () => {
    const ledger = makeLedger()
    const worker = member(ledger, 'worker')
    expect(() => defineTeam({ id: 't', model: delegatingTo('x'), members: [] })).toThrow(DefinitionError)
    expect(() => defineTeam({ id: 't', model: delegatingTo('x'), members: [worker, worker] })).toThrow(
      DefinitionError,
    )
    const inner = defineTeam({ id: 'inner', model: delegatingTo('worker'), members: [worker] })
    expect(() => defineTeam({ id: 't', model: delegatingTo('x'), members: [inner, worker] })).toThrow(
      DefinitionError,
    )
    expect(() => defineTeam({ id: 'worker', model: delegatingTo('x'), members: [worker] })).toThrow(
      DefinitionError,
    )
  })

  it('a delegation to an unknown member is a failed call the leader is told about', async () => {
    const ledger = makeLedger()
    const team = defineTeam({ id: 't', model: delegatingTo('nobody'), members: [member(ledger, 'worker')] })
    const app = new Countersign({ teams: [team], sweepEvery: false })
    const done = await app.run('t', 'Work')
    expect(done.status).toBe('completed')
    expect(done.toolExecutions).toMatchObject([{ toolName: 'delegate_task_to_member', status: 'failed' }])
    expect(done.content).toBe('Team: Error: the team has no member "nobody"')
    expect(ledger.count('worker_tool')).toBe(0)
    await app.dispose()
  })
})
