import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  approval,
  Confirmation,
  Countersign,
  InterruptedCall,
  ModelFailure,
  InvalidResolution,
  MemoryStore,
  Policy,
  Principal,
  RequiredApproval,
  Resolutions,
  ScriptedModel,
  StepConfirmation,
  Tool,
} from '../src/index.js'
import { makeLedger, single, type Ledger } from './fixtures.js'

/*
 * Approve with changes: a person fixes an amount or a recipient rather than reject and start over.
 * The changed arguments are the tool's, judged again by the tool and every policy (a change that
 * needs more sign-off asks for it), and kept beside the ones asked about.
 */

const requester = new Principal({ id: 'ada', roles: ['user'] })
const approver = new Principal({ id: 'grace', roles: ['approver'] })

const wireTool = (ledger: Ledger, flags: Tool.HitlFlags) =>
  Tool.make({
    name: 'wire',
    description: 'Wire money',
    parameters: Schema.Struct({ to: Schema.String, amount: Schema.Number }),
    ...flags,
    execute: (args, ctx) => {
      ledger.record('wire', args, ctx.idempotencyKey)
      return `wired ${args.amount} to ${args.to}`
    },
  })

/** Approves above a threshold, as `amountThreshold` from @countersign/policies does. */
const above = (limit: number) =>
  Policy.make('amounts over the limit need an approval', ({ call }) =>
    typeof call.args.amount === 'number' && call.args.amount > limit ? [RequiredApproval.need({})] : [],
  )

const wiring = (
  flags: Tool.HitlFlags,
  args: Record<string, unknown>,
  policies: Array<Policy.Policy> = [],
) => {
  const ledger = makeLedger()
  const store = MemoryStore.make()
  const agent = new Agent({
    id: 'treasury',
    model: ScriptedModel.make([{ toolCalls: [{ name: 'wire', args }] }, 'Done.']),
    tools: [wireTool(ledger, flags)],
    policies,
    store,
  })
  const app = new Countersign({ agents: [agent], store, sweepEvery: false })
  return { ledger, agent, app }
}

describe('confirm with changes', () => {
  it('runs the call with the arguments the person approved, and keeps the ones they were asked about', async () => {
    const { agent, app, ledger } = wiring({ requiresConfirmation: true }, { to: 'acct-1', amount: 250 })
    const paused = await agent.run('Pay', { principal: requester })
    const confirmation = single(paused.activeRequirements)
    const done = await agent.continueRun(
      {
        runId: paused.runId,
        resolutions: [Resolutions.confirmWithChanges(confirmation.id, { to: 'acct-1', amount: 200 })],
      },
      { principal: requester },
    )
    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-1', amount: 200 }])
    const [decided] = done.requirements
    expect(decided?.toolCall.args).toEqual({ to: 'acct-1', amount: 250 })
    expect(decided?.resolution).toEqual({ approved: true, args: { to: 'acct-1', amount: 200 } })
    expect(done.messages.find((message) => message._tag === 'Tool')).toMatchObject({
      args: { to: 'acct-1', amount: 200 },
    })
    await app.dispose()
  })

  it('a change that needs more sign-off asks for it, with the changed arguments in front of the approver', async () => {
    const { agent, app, ledger } = wiring({ requiresConfirmation: true }, { to: 'acct-1', amount: 50 }, [
      above(100),
    ])
    const paused = await agent.run('Pay', { principal: requester })
    const raised = await agent.continueRun(
      {
        runId: paused.runId,
        resolutions: [
          Resolutions.confirmWithChanges(single(paused.activeRequirements).id, {
            to: 'acct-1',
            amount: 5000,
          }),
        ],
      },
      { principal: requester },
    )
    expect(raised.status).toBe('paused')
    const signOff = single(raised.activeRequirements)
    expect(signOff).toMatchObject({ kind: 'approval', toolCall: { args: { to: 'acct-1', amount: 5000 } } })
    expect(ledger.calls).toEqual([])
    await app.approvals.decide(signOff.id, { approved: true }, { principal: approver })
    expect((await app.continueRun({ runId: paused.runId })).status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-1', amount: 5000 }])
    await app.dispose()
  })
})

describe('approve with changes', () => {
  it('the approval record keeps both: the arguments asked about and the ones approved; a same-arguments grant covers the approved ones', async () => {
    const { agent, app, ledger } = wiring(
      { approval: approval({ type: 'required' }) },
      { to: 'acct-9', amount: 900 },
    )
    const paused = await agent.run('Pay', { principal: requester, sessionId: 's-1' })
    const signOff = single(paused.activeRequirements)
    const decided = await app.approvals.decide(
      signOff.id,
      { approved: true, args: { to: 'acct-9', amount: 90 }, grant: { scope: 'session' } },
      { principal: approver },
    )
    expect(decided).toMatchObject({
      status: 'approved',
      toolArgs: { to: 'acct-9', amount: 900 },
      editedArgs: { to: 'acct-9', amount: 90 },
    })
    expect((await app.continueRun({ runId: paused.runId })).status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-9', amount: 90 }])
    const [grant] = await app.grants.list({ sessionId: 's-1' })
    expect(grant?.args).toEqual({ to: 'acct-9', amount: 90 })
    await app.dispose()
  })
})

describe('changes that are refused, changing nothing', () => {
  it('arguments the tool does not take, a rejection with changes, and changes where the kind takes none', async () => {
    const { agent, app, ledger } = wiring({ requiresConfirmation: true }, { to: 'acct-1', amount: 10 })
    const paused = await agent.run('Pay', { principal: requester })
    const id = single(paused.activeRequirements).id
    const attempts = [
      { approved: true, args: { to: 'acct-1', amount: 'lots' } },
      { approved: true, args: { to: 'acct-1' } },
      { approved: true, args: { to: 'acct-1', amount: 1, memo: 'not a parameter' } },
      { approved: false, note: 'no', args: { to: 'acct-1', amount: 1 } },
    ]
    for (const value of attempts)
      await expect(
        agent.continueRun(
          { runId: paused.runId, resolutions: [{ requirementId: id, value }] },
          { principal: requester },
        ),
      ).rejects.toBeInstanceOf(InvalidResolution)
    const untouched = await agent.getRun(paused.runId)
    expect([untouched.status, untouched.activeRequirements.map(({ id }) => id)]).toEqual(['paused', [id]])
    expect(ledger.calls).toEqual([])
    await app.dispose()
  })

  it('a kind that takes no changes refuses them: an interrupted call, a workflow step', () => {
    expect([Confirmation.editsArguments, RequiredApproval.editsArguments]).toEqual([true, true])
    for (const plugin of [InterruptedCall, StepConfirmation, ModelFailure])
      expect(plugin.check({} as never, { approved: true, args: { a: 1 } })).toBe(
        'this kind of requirement takes no changed arguments',
      )
  })
})
