import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  ApprovalAlreadyResolved,
  ApprovalNotFound,
  ApprovalPending,
  approval,
  Countersign,
  DefinitionError,
  MemoryStore,
  NotAllowedToResolve,
  Policy,
  Principal,
  Resolutions,
  ScriptedModel,
  Tool,
  Toolkit,
  type RunStore,
} from '../src/index.js'
import { collect, lastToldTo, makeLedger, single, type Ledger } from './fixtures.js'

/*
 * Agno's approvals (agno-hitl-study §6–7), translated, with its approval bugs fixed: a gated
 * call cannot be let through by a resolution its requester supplies, a rejection is never
 * silent and its note reaches the model, records exist on every store, and expiry is enforced.
 */

const user = new Principal({ id: 'user-ada', roles: ['user'] })
const approver = new Principal({ id: 'boss-grace', roles: ['approver'] })
const admin = new Principal({ id: 'admin-linus', roles: ['admin'] })

const refundTool = (ledger: Ledger, options: Parameters<typeof approval>[0] = { type: 'required' }) =>
  Tool.make({
    name: 'process_refund',
    description: 'Refund an order',
    parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
    approval: approval(options),
    execute: (args, ctx) => {
      ledger.record('process_refund', args, ctx.idempotencyKey)
      return `refunded ${args.amount} on ${args.orderId}`
    },
  })

const exportTool = (ledger: Ledger, fail = false) =>
  Tool.make({
    name: 'export_customer_data',
    description: 'Export a customer record',
    parameters: Schema.Struct({ customerId: Schema.String }),
    approval: approval({ type: 'audit' }),
    execute: (args, ctx) => {
      ledger.record('export_customer_data', args, ctx.idempotencyKey)
      if (fail) throw new Error('the export service is down')
      return { rows: 1 }
    },
  })

const refundCall = (amount = 250, orderId = 'A-1') => ({
  content: 'Refunding.',
  toolCalls: [{ name: 'process_refund', args: { orderId, amount } }],
})

/** A finance agent served with its approval queue; the model refunds, then says what it saw. */
const finance = (
  options: {
    readonly store?: RunStore
    readonly approval?: Parameters<typeof approval>[0]
    readonly policies?: ReadonlyArray<Policy.Policy>
    readonly script?: Parameters<typeof ScriptedModel.make>[0]
  } = {},
) => {
  const ledger = makeLedger()
  const store = options.store ?? MemoryStore.make()
  const model = ScriptedModel.make(
    options.script ??
      ((request) => (request.messages.some((m) => m._tag === 'Tool') ? 'Done.' : refundCall())),
  )
  const agent = new Agent({
    id: 'finance',
    name: 'Finance agent',
    model,
    store,
    tools: [refundTool(ledger, options.approval), exportTool(ledger)],
    ...(options.policies === undefined ? {} : { policies: options.policies }),
  })
  const app = new Countersign({ agents: [agent], store, sweepEvery: false })
  return { agent, app, ledger, model, store }
}

const pausedRefund = async (setup = finance()) => {
  const paused = await setup.agent.run('Refund order A-1', {
    userId: user.id,
    sessionId: 's-1',
    principal: user,
  })
  expect(paused.status).toBe('paused')
  const requirement = single(paused.activeRequirements)
  expect(requirement.kind).toBe('approval')
  return { ...setup, paused, requirement, runId: paused.runId }
}

describe('declaring approvals (test_approval_decorator)', () => {
  it('approval() is required by default, and a type that is neither required nor audit is refused', () => {
    expect(approval()).toEqual({ type: 'required' })
    expect(() => approval({ type: 'sometimes' } as never)).toThrow(DefinitionError)
    expect(() => approval({ type: 'required', expiresIn: '0 seconds' })).toThrow(DefinitionError)
  })

  it('toolkit lists give approvals like the tool option, the tool’s own approval wins, and a tool in both lists is refused', async () => {
    const ledger = makeLedger()
    const kit = Toolkit.make({
      name: 'billing',
      tools: [refundTool(ledger, { type: 'audit' }), exportTool(ledger)],
      requiresApprovalTools: ['process_refund'],
    })
    expect(kit.tools.map((tool) => [tool.name, tool.flags.approval?.type])).toEqual([
      ['process_refund', 'audit'],
      ['export_customer_data', 'audit'],
    ])
    const plain = Tool.make({
      name: 'wire',
      description: 'Wire money',
      parameters: Schema.Struct({}),
      execute: () => 'wired',
    })
    const listed = Toolkit.make({ name: 'bank', tools: [plain], requiresApprovalTools: ['wire'] })
    expect(listed.tools[0]!.flags.approval).toEqual({ type: 'required' })
    expect(() =>
      Toolkit.make({ name: 'bank', tools: [plain], requiresApprovalTools: ['wire'], auditTools: ['wire'] }),
    ).toThrow(DefinitionError)
  })
})

describe('required approvals', () => {
  it('pause the run and put a full record in the queue, on the memory store too (Agno wrote none there)', async () => {
    const { app, runId, requirement, ledger } = await pausedRefund()
    const record = await app.approvals.get(requirement.id)
    expect(record).toMatchObject({
      id: requirement.id,
      type: 'required',
      runId,
      sessionId: 's-1',
      userId: 'user-ada',
      source: { type: 'agent', id: 'finance', name: 'Finance agent' },
      toolName: 'process_refund',
      toolArgs: { orderId: 'A-1', amount: 250 },
      requestedBy: { id: 'user-ada' },
      status: 'pending',
      runStatus: 'paused',
    })
    expect(record.resolvedBy).toBeUndefined()
    expect(await app.approvals.count({ status: 'pending' })).toBe(1)
    expect(ledger.calls).toEqual([])
  })

  it('an approver approves, the run continues and the call runs once; the record says who and when, and the run status follows', async () => {
    const { app, agent, runId, requirement, ledger } = await pausedRefund()
    const decided = await app.approvals.decide(
      requirement.id,
      { approved: true, note: 'fine', data: { ticket: 'FIN-7' } },
      { principal: approver },
    )
    expect(decided).toMatchObject({
      status: 'approved',
      resolvedBy: { id: 'boss-grace' },
      note: 'fine',
      resolutionData: { ticket: 'FIN-7' },
      runStatus: 'paused',
    })
    expect(decided.resolvedAt).toBeTypeOf('number')
    const done = await agent.continueRun({ runId })
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
    expect((await app.approvals.get(requirement.id)).runStatus).toBe('completed')
    expect(await app.approvals.count({ status: 'pending' })).toBe(0)
  })

  it('a rejection is not silent: the note reaches the model, the call does not run (Agno dropped the note)', async () => {
    const { app, agent, model, runId, requirement, ledger } = await pausedRefund()
    await app.approvals.decide(
      requirement.id,
      { approved: false, note: 'Refunds over 200 need a receipt' },
      { principal: approver },
    )
    const done = await agent.continueRun({ runId })
    expect(done.status).toBe('completed')
    expect(ledger.calls).toEqual([])
    expect(lastToldTo(model)).toMatchObject({
      _tag: 'Tool',
      outcome: 'skipped',
      content: 'An approver rejected the call to process_refund: Refunds over 200 need a receipt',
    })
    expect(single(done.toolExecutions)).toMatchObject({ status: 'skipped' })
    expect((await app.approvals.get(requirement.id)).status).toBe('rejected')
  })

  it('the requester cannot approve their own call by supplying a decision on continueRun (Agno’s bypass), in any form', async () => {
    const { agent, app, paused, runId, requirement, ledger } = await pausedRefund()
    requirement.confirm()
    await expect(agent.continueRun(paused, { principal: user })).rejects.toBeInstanceOf(NotAllowedToResolve)
    // Without a principal, the decision is the run's own principal's: the requester's.
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(NotAllowedToResolve)
    await expect(
      agent.continueRun({ runId, resolutions: [Resolutions.confirm(requirement.id)] }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    await expect(
      collect(agent.continueRunStream({ runId, resolutions: [Resolutions.confirm(requirement.id)] })),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    await expect(agent.resolve(runId, [Resolutions.confirm(requirement.id)])).rejects.toBeInstanceOf(
      NotAllowedToResolve,
    )
    await expect(
      app.continueRun({ runId, resolutions: [Resolutions.confirm(requirement.id)] }, { principal: user }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    await expect(
      app.approvals.decide(requirement.id, { approved: true }, { principal: user }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    expect(ledger.calls).toEqual([])
    expect((await app.approvals.get(requirement.id)).status).toBe('pending')
    expect((await agent.getRun(runId)).status).toBe('paused')
  })

  it('continuing while the approval is pending is ApprovalPending on every continue path, and changes nothing', async () => {
    const { agent, app, paused, runId, requirement, ledger } = await pausedRefund()
    for (const attempt of [
      () => agent.continueRun(paused),
      () => agent.continueRun({ runId }),
      () => collect(agent.continueRunStream({ runId })),
      () => app.continueRun({ runId }),
      () => collect(app.continueRunStream({ runId })),
    ])
      await expect(attempt()).rejects.toMatchObject({
        _tag: 'ApprovalPending',
        approvalIds: [requirement.id],
      })
    await expect(agent.continueRun({ runId })).rejects.toBeInstanceOf(ApprovalPending)
    expect(ledger.calls).toEqual([])
    expect((await agent.getRun(runId)).status).toBe('paused')
  })

  it('an approver may decide through continueRun too, and admins are approvers', async () => {
    const { agent, runId, requirement, ledger } = await pausedRefund()
    const done = await agent.continueRun(
      { runId, resolutions: [Resolutions.confirm(requirement.id)] },
      { principal: admin },
    )
    expect(done.status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it('a tool may name its approvers; a predicate that throws refuses (fails closed)', async () => {
    const onlyFinance = finance({
      approval: { type: 'required', approvers: (principal) => principal.roles.includes('finance') },
    })
    const { app, requirement } = await pausedRefund(onlyFinance)
    await expect(
      app.approvals.decide(requirement.id, { approved: true }, { principal: approver }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    const decided = await app.approvals.decide(
      requirement.id,
      { approved: true },
      { principal: { id: 'fin-1', roles: ['finance'] } },
    )
    expect(decided.status).toBe('approved')

    const broken = finance({
      approval: {
        type: 'required',
        approvers: () => {
          throw new Error('directory unreachable')
        },
      },
    })
    const second = await pausedRefund(broken)
    await expect(
      second.app.approvals.decide(second.requirement.id, { approved: true }, { principal: admin }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    expect((await second.app.approvals.get(second.requirement.id)).status).toBe('pending')
  })

  it('a policy that throws while judging who may resolve refuses: policies fail closed', async () => {
    const throwing = Policy.make({
      name: 'flaky directory',
      mayResolve: () => {
        throw new Error('LDAP down')
      },
    })
    const { app, requirement, ledger } = await pausedRefund(finance({ policies: [throwing] }))
    const error = await app.approvals
      .decide(requirement.id, { approved: true }, { principal: approver })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(NotAllowedToResolve)
    expect((error as NotAllowedToResolve).reason).toContain('flaky directory')
    expect(ledger.calls).toEqual([])
  })

  it('a second decision is ApprovalAlreadyResolved and keeps the first (the 409 of Agno’s REST API)', async () => {
    const { app, requirement } = await pausedRefund()
    await app.approvals.decide(requirement.id, { approved: false, note: 'no' }, { principal: approver })
    await expect(
      app.approvals.decide(requirement.id, { approved: true }, { principal: admin }),
    ).rejects.toMatchObject({ _tag: 'ApprovalAlreadyResolved', status: 'rejected' })
    expect(await app.approvals.get(requirement.id)).toMatchObject({ status: 'rejected', note: 'no' })
    await expect(app.approvals.get('nope')).rejects.toBeInstanceOf(ApprovalNotFound)
    await expect(
      app.approvals.decide(requirement.id, { approved: 'yes' } as never, { principal: admin }),
    ).rejects.toMatchObject({ _tag: 'InvalidRequest' })
  })

  it('50 concurrent decisions: exactly one wins, the others get ApprovalAlreadyResolved', async () => {
    const { app, agent, runId, requirement, ledger } = await pausedRefund()
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) =>
        app.approvals.decide(
          requirement.id,
          { approved: index % 2 === 0, note: `decider ${index}` },
          { principal: { id: `approver-${index}`, roles: ['approver'] } },
        ),
      ),
    )
    const won = results.filter((result) => result.status === 'fulfilled')
    expect(won).toHaveLength(1)
    for (const result of results)
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ApprovalAlreadyResolved)
    const winner = (
      won[0] as PromiseFulfilledResult<{ note?: string; resolvedBy?: Principal; status: string }>
    ).value
    expect(await app.approvals.get(requirement.id)).toMatchObject({
      note: winner.note,
      resolvedBy: { id: winner.resolvedBy!.id },
    })
    await agent.continueRun({ runId })
    expect(ledger.count('process_refund')).toBe(winner.status === 'approved' ? 1 : 0)
  })

  it('cancelling the run cancels its pending approval', async () => {
    const { app, agent, runId, requirement } = await pausedRefund()
    await agent.cancelRun(runId, { principal: admin })
    expect(await app.approvals.get(requirement.id)).toMatchObject({
      status: 'cancelled',
      resolvedBy: { id: 'admin-linus' },
      runStatus: 'cancelled',
    })
    await expect(
      app.approvals.decide(requirement.id, { approved: true }, { principal: approver }),
    ).rejects.toMatchObject({ _tag: 'ApprovalAlreadyResolved', status: 'cancelled' })
  })
})

describe('the approval queue', () => {
  it('lists newest first with filters and a total, pages without gaps, and counts pending', async () => {
    const store = MemoryStore.make()
    const ledger = makeLedger()
    const agent = new Agent({
      id: 'finance',
      model: ScriptedModel.make((request) =>
        request.messages.some((m) => m._tag === 'Tool') ? 'Done.' : refundCall(100, 'B'),
      ),
      store,
      tools: [refundTool(ledger)],
    })
    const app = new Countersign({ agents: [agent], store, sweepEvery: false })
    const runs = []
    for (const [index, who] of ['ada', 'bob', 'ada', 'cy', 'ada'].entries())
      runs.push(
        await agent.run(`refund ${index}`, {
          userId: who,
          sessionId: `s-${index}`,
          principal: { id: who, roles: [] },
        }),
      )
    const ids = runs.map((run) => run.activeRequirements[0]!.id)
    await app.approvals.decide(ids[1]!, { approved: true }, { principal: approver })

    const all = await app.approvals.list()
    expect(all.total).toBe(5)
    const ordered = [...all.approvals]
    expect(ordered.map((a) => a.createdAt)).toEqual(
      [...ordered.map((a) => a.createdAt)].sort((a, b) => b - a),
    )
    expect((await app.approvals.list({ userId: 'ada' })).total).toBe(3)
    expect((await app.approvals.list({ status: 'approved' })).approvals.map((a) => a.id)).toEqual([ids[1]])
    expect((await app.approvals.list({ toolName: 'process_refund', sourceId: 'finance' })).total).toBe(5)
    expect((await app.approvals.list({ sourceId: 'someone-else' })).total).toBe(0)
    expect((await app.approvals.list({ createdTo: 0 })).total).toBe(0)
    expect(await app.approvals.count({ status: 'pending' })).toBe(4)
    const pages = [
      await app.approvals.list({ limit: 2, offset: 0 }),
      await app.approvals.list({ limit: 2, offset: 2 }),
      await app.approvals.list({ limit: 2, offset: 4 }),
    ]
    expect(pages.map((page) => page.total)).toEqual([5, 5, 5])
    expect(pages.flatMap((page) => page.approvals.map((a) => a.id))).toEqual(ordered.map((a) => a.id))
    await expect(app.approvals.list({ limit: 0 })).rejects.toMatchObject({ _tag: 'InvalidRequest' })
  })

  it('history: asked, decided, then what the call did, oldest first; written once, never edited', async () => {
    const { app, agent, runId, requirement } = await pausedRefund()
    expect((await app.approvals.history(requirement.id)).map((entry) => entry._tag)).toEqual(['Requested'])
    await app.approvals.decide(requirement.id, { approved: true, note: 'ok' }, { principal: approver })
    const decidedOnly = await app.approvals.history(requirement.id)
    await agent.continueRun({ runId })
    const history = await app.approvals.history(requirement.id)
    expect(history.map((entry) => entry._tag)).toEqual([
      'Requested',
      'Decided',
      'CallStarted',
      'CallCompleted',
    ])
    expect(history.slice(0, 2)).toEqual(decidedOnly)
    expect(history[0]).toMatchObject({
      by: { id: 'user-ada' },
      toolName: 'process_refund',
      toolArgs: { amount: 250 },
    })
    expect(history[1]).toMatchObject({ by: { id: 'boss-grace' }, status: 'approved', note: 'ok' })
    expect(history[3]).toMatchObject({ result: 'refunded 250 on A-1' })
  })
})

describe('audit approvals', () => {
  it('the tool runs at once and a record is written with the tool, arguments, principal and outcome', async () => {
    const { agent, app, ledger } = finance({
      script: (request) =>
        request.messages.some((m) => m._tag === 'Tool')
          ? 'Exported.'
          : { toolCalls: [{ name: 'export_customer_data', args: { customerId: 'C-9' } }] },
    })
    const done = await agent.run('export C-9', { userId: user.id, principal: user })
    expect(done.status).toBe('completed')
    expect(ledger.count('export_customer_data')).toBe(1)
    const { approvals, total } = await app.approvals.list({ type: 'audit', runId: done.runId })
    expect(total).toBe(1)
    expect(approvals[0]).toMatchObject({
      type: 'audit',
      status: 'approved',
      toolName: 'export_customer_data',
      toolArgs: { customerId: 'C-9' },
      requestedBy: { id: 'user-ada' },
      resolvedBy: { id: 'user-ada' },
      outcome: { status: 'completed', result: { rows: 1 } },
      runStatus: 'completed',
    })
    expect(await app.approvals.count({ status: 'pending' })).toBe(0)
    expect((await app.approvals.history(approvals[0]!.id)).map((entry) => entry._tag)).toEqual([
      'CallStarted',
      'CallCompleted',
      'Recorded',
    ])
  })

  it("the run's events say an audited call is recorded for audit; other calls say nothing of it", async () => {
    const { agent } = finance({
      script: (request) =>
        request.messages.some((m) => m._tag === 'Tool')
          ? 'Done.'
          : {
              toolCalls: [
                { name: 'export_customer_data', args: { customerId: 'C-9' } },
                { name: 'process_refund', args: { orderId: 'A-1', amount: 5 } },
              ],
            },
      approval: { type: 'audit' },
    })
    const events = await collect(agent.runStream('export and refund', { userId: user.id, principal: user }))
    const started = events.flatMap((event) => (event._tag === 'ToolCallStarted' ? [event] : []))
    expect(started.map((event) => [event.toolCall.name, event.audited])).toEqual([
      ['export_customer_data', true],
      ['process_refund', true],
    ])
    const lookup = Tool.make({
      name: 'lookup',
      description: 'Look an order up',
      parameters: Schema.Struct({}),
      execute: () => 'found',
    })
    const plain = new Agent({
      id: 'plain',
      model: ScriptedModel.make([{ toolCalls: [{ name: 'lookup', args: {} }] }, 'Found.']),
      tools: [lookup],
    })
    const unaudited = await collect(plain.runStream('look A-1 up', { principal: user }))
    expect(unaudited.find((event) => event._tag === 'ToolCallStarted')).not.toHaveProperty('audited')
  })

  it('a failed call is audited as failed, and an audited call a person declined as rejected', async () => {
    const ledger = makeLedger()
    const store = MemoryStore.make()
    const confirmThenAudit = Tool.make({
      name: 'delete_customer',
      description: 'Delete a customer',
      parameters: Schema.Struct({ customerId: Schema.String }),
      requiresConfirmation: true,
      approval: approval({ type: 'audit' }),
      execute: (args, ctx) => void ledger.record('delete_customer', args, ctx.idempotencyKey),
    })
    const agent = new Agent({
      id: 'ops',
      model: ScriptedModel.make((request) =>
        request.messages.some((m) => m._tag === 'Tool')
          ? 'Ok.'
          : {
              toolCalls: [
                { name: 'delete_customer', args: { customerId: 'C-1' } },
                { name: 'export_customer_data', args: { customerId: 'C-1' } },
              ],
            },
      ),
      store,
      tools: [confirmThenAudit, exportTool(ledger, true)],
    })
    const app = new Countersign({ agents: [agent], store, sweepEvery: false })
    const paused = await agent.run('clean up C-1', { principal: user })
    single(paused.activeRequirements).reject('keep them')
    await agent.continueRun(paused, { principal: approver })
    const { approvals } = await app.approvals.list({ type: 'audit', runId: paused.runId })
    expect(approvals.map((a) => [a.toolName, a.status, a.outcome?.status, a.resolvedBy?.id]).sort()).toEqual([
      ['delete_customer', 'rejected', 'skipped', 'boss-grace'],
      ['export_customer_data', 'approved', 'failed', 'user-ada'],
    ])
    expect(approvals.find((a) => a.toolName === 'export_customer_data')?.outcome?.error).toContain(
      'the export service is down',
    )
    expect(ledger.count('delete_customer')).toBe(0)
  })
})

describe('grants', () => {
  const twoRefunds =
    (second: { amount: number; orderId: string }) =>
    (request: { readonly messages: ReadonlyArray<{ readonly _tag: string; readonly content?: string }> }) => {
      const results = request.messages.filter((m) => m._tag === 'Tool').length
      const input = request.messages.find((m) => m._tag === 'User')?.content ?? ''
      if (results > 0) return 'Done.'
      return input.includes('second') ? refundCall(second.amount, second.orderId) : refundCall()
    }

  const granted = async (
    scope: 'session' | 'once',
    args: 'same' | 'any',
    second = { amount: 250, orderId: 'A-1' },
  ) => {
    const setup = finance({ script: twoRefunds(second) })
    const first = await pausedRefund(setup)
    await setup.app.approvals.decide(
      first.requirement.id,
      { approved: true, grant: { scope, args } },
      { principal: approver },
    )
    await setup.agent.continueRun({ runId: first.runId })
    const [grant] = await setup.app.grants.list({ sessionId: 's-1' })
    return { ...setup, grant: grant! }
  }

  it('a session grant lets later calls of the tool in the session through, each use recorded naming the grant', async () => {
    const { agent, app, ledger, grant } = await granted('session', 'same')
    expect(grant).toMatchObject({
      scope: 'session',
      toolName: 'process_refund',
      args: { orderId: 'A-1', amount: 250 },
    })
    for (const _ of [1, 2]) {
      const next = await agent.run('the second refund', { sessionId: 's-1', principal: user })
      expect(next.status).toBe('completed')
    }
    expect(ledger.count('process_refund')).toBe(3)
    const uses = await app.approvals.list({ grantId: grant.id })
    expect(uses.total).toBe(2)
    expect(uses.approvals[0]).toMatchObject({
      status: 'approved',
      resolvedBy: { id: 'boss-grace' },
      grantId: grant.id,
    })
    expect((await app.grants.list({ sessionId: 's-1' }))[0]!.uses).toBe(2)

    // Another session, and other arguments, still need an approver.
    expect((await agent.run('the second refund', { sessionId: 's-2', principal: user })).status).toBe(
      'paused',
    )
  })

  it('a grant for the same arguments does not cover other arguments; one for any arguments does', async () => {
    const same = await granted('session', 'same', { amount: 999, orderId: 'Z' })
    expect((await same.agent.run('the second refund', { sessionId: 's-1', principal: user })).status).toBe(
      'paused',
    )
    const any = await granted('session', 'any', { amount: 999, orderId: 'Z' })
    expect((await any.agent.run('the second refund', { sessionId: 's-1', principal: user })).status).toBe(
      'completed',
    )
  })

  it('a once grant lets exactly one call through; a revoked grant none', async () => {
    const once = await granted('once', 'same')
    expect((await once.agent.run('the second refund', { sessionId: 's-1', principal: user })).status).toBe(
      'completed',
    )
    expect((await once.agent.run('the second refund', { sessionId: 's-1', principal: user })).status).toBe(
      'paused',
    )
    expect((await once.app.grants.list({ sessionId: 's-1' }))[0]).toMatchObject({ uses: 1 })

    const revoked = await granted('session', 'same')
    await expect(revoked.app.grants.revoke(revoked.grant.id, { principal: user })).rejects.toBeInstanceOf(
      NotAllowedToResolve,
    )
    const done = await revoked.app.grants.revoke(revoked.grant.id, { principal: approver, note: 'enough' })
    expect(done.revocation).toMatchObject({ revokedBy: { id: 'boss-grace' }, note: 'enough' })
    expect((await revoked.agent.run('the second refund', { sessionId: 's-1', principal: user })).status).toBe(
      'paused',
    )
    await expect(revoked.app.grants.revoke(revoked.grant.id, { principal: approver })).rejects.toMatchObject({
      _tag: 'GrantInactive',
      status: 'revoked',
    })
  })

  it('approvers create grants directly, for one principal; others may not', async () => {
    const { app, agent, ledger } = finance()
    const direct = {
      scope: 'session' as const,
      principalId: user.id,
      sessionId: 's-9',
      sourceId: 'finance',
      toolName: 'process_refund',
    }
    await expect(app.grants.create(direct, { principal: user })).rejects.toBeInstanceOf(NotAllowedToResolve)
    await app.grants.create({ ...direct, note: 'month end' }, { principal: approver })
    expect((await agent.run('Refund A-1', { sessionId: 's-9', principal: user })).status).toBe('completed')
    expect(ledger.count('process_refund')).toBe(1)
  })

  it("a grant covers only its principal's runs, whatever session id another sends", async () => {
    const { app, agent, ledger } = await granted('session', 'any')
    const mallory = new Principal({ id: 'mallory', roles: ['user'] })
    const theirs = await agent.run('the second refund', { sessionId: 's-1', principal: mallory })
    expect(theirs.status).toBe('paused')
    expect(ledger.count('process_refund')).toBe(1)
    expect((await app.grants.list({ sessionId: 's-1' }))[0]).toMatchObject({ principalId: user.id, uses: 0 })
  })

  it('an approver may not grant approval of their own calls', async () => {
    const { app, agent, ledger } = finance()
    const own = {
      scope: 'session' as const,
      principalId: approver.id,
      sessionId: 's-own',
      sourceId: 'finance',
      toolName: 'process_refund',
    }
    await expect(app.grants.create(own, { principal: approver })).rejects.toMatchObject({
      _tag: 'NotAllowedToResolve',
      reason: 'nobody approves their own calls (separation of duties)',
    })
    expect(await app.grants.list()).toEqual([])
    expect((await agent.run('Refund A-1', { sessionId: 's-own', principal: approver })).status).toBe('paused')
    expect(ledger.count('process_refund')).toBe(0)
  })
})
