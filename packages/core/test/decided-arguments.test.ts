import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  approval,
  Countersign,
  InvalidResolution,
  MemoryStore,
  NotAllowedToResolve,
  Policy,
  Principal,
  RequiredApproval,
  RequirementPlugin,
  Resolutions,
  ScriptedModel,
  Tool,
} from '../src/index.js'
import { makeLedger, single, type Ledger } from './fixtures.js'

/*
 * Invariants 9 and 10, tried as an attacker would: a call runs only with the arguments that every
 * policy judged and every decision saw, and nobody approves their own call.
 */

const requester = new Principal({ id: 'mallory', roles: ['user'] })
const approver = new Principal({ id: 'grace', roles: ['approver'] })
const approvingRequester = new Principal({ id: 'ivan', roles: ['user', 'approver'] })

const wireTool = (ledger: Ledger, flags: Tool.HitlFlags) =>
  Tool.make({
    name: 'wire',
    description: 'Wire money',
    parameters: Schema.Struct({
      to: Schema.String,
      amount: Schema.Number,
      memo: Schema.optional(Schema.String),
    }),
    ...flags,
    execute: (args, ctx) => {
      ledger.record('wire', args, ctx.idempotencyKey)
      return `wired ${args.amount} to ${args.to}`
    },
  })

const wireCall = (args: Record<string, unknown>) => ({ toolCalls: [{ name: 'wire', args }] })

/** An agent (and its deployment, for the approval queue) whose model makes one wire call. */
const wiring = (
  flags: Tool.HitlFlags,
  args: Record<string, unknown>,
  extra: {
    policies?: ReadonlyArray<Policy.Policy>
    plugins?: ReadonlyArray<RequirementPlugin.AnyRequirementPlugin>
  } = {},
) => {
  const ledger = makeLedger()
  const store = MemoryStore.make()
  const agent = new Agent({
    id: 'treasury',
    model: ScriptedModel.make([wireCall(args), 'Done.']),
    tools: [wireTool(ledger, flags)],
    store,
    ...extra,
  })
  const app = new Countersign({ agents: [agent], store, sweepEvery: false })
  return { ledger, agent, app }
}

/** Approves above a threshold, as `amountThreshold` from @countersign/policies does. */
const above = (limit: number) =>
  Policy.make('amounts over the limit need an approval', ({ call }) =>
    typeof call.args.amount === 'number' && call.args.amount > limit ? [RequiredApproval.need({})] : [],
  )

describe('an answer sets only the fields its requirement asked for', () => {
  it('refuses values for fields the form did not ask, and records nothing', async () => {
    const { agent, app, ledger } = wiring(
      { userInputFields: ['memo'], approval: approval({ type: 'required' }) },
      { to: 'acct-legit', amount: 10 },
    )
    const paused = await agent.run('pay', { principal: requester })
    const form = single(paused.activeRequirements)
    expect(form.kind).toBe('user_input')
    expect(form.userInputSchema?.map((field) => field.name)).toEqual(['memo'])

    await expect(
      app.continueRun(
        {
          runId: paused.runId,
          resolutions: [Resolutions.userInput(form.id, { memo: 'm', amount: 999999, to: 'acct-attacker' })],
        },
        { principal: requester },
      ),
    ).rejects.toBeInstanceOf(InvalidResolution)
    const [stored] = await app.getRun(paused.runId).then((run) => run.requirements)
    expect(stored).toMatchObject({ id: form.id, isResolved: false })
    expect(ledger.calls).toEqual([])
  })
})

describe('what executes is what was decided', () => {
  it('asks for the form first, then for the approval with the filled-in arguments in front of the approver', async () => {
    const { agent, app, ledger } = wiring(
      { userInputFields: ['memo'], approval: approval({ type: 'required' }) },
      { to: 'acct-legit', amount: 10 },
    )
    const paused = await agent.run('pay', { principal: requester })
    const filled = await app.continueRun(
      {
        runId: paused.runId,
        resolutions: [Resolutions.userInput(single(paused.activeRequirements).id, { memo: 'rent' })],
      },
      { principal: requester },
    )
    const signOff = single(filled.activeRequirements)
    expect(signOff.kind).toBe('approval')
    expect(signOff.toolCall.args).toEqual({ to: 'acct-legit', amount: 10, memo: 'rent' })
    expect(ledger.calls).toEqual([])

    await app.approvals.decide(signOff.id, { approved: true }, { principal: approver })
    const done = await app.continueRun({ runId: paused.runId })
    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-legit', amount: 10, memo: 'rent' }])
    expect((await app.approvals.get(signOff.id)).toolArgs).toEqual({
      to: 'acct-legit',
      amount: 10,
      memo: 'rent',
    })
  })

  it('a changed amount is judged again by the policies: 50 asked nothing, 100000 needs an approval', async () => {
    const { agent, app, ledger } = wiring(
      { requiresUserInput: true },
      { to: 'acct-legit', amount: 50 },
      {
        policies: [above(100)],
      },
    )
    const paused = await agent.run('pay', { principal: requester })
    const form = single(paused.activeRequirements)
    expect(form.kind).toBe('user_input')
    const changed = await app.continueRun(
      {
        runId: paused.runId,
        resolutions: [Resolutions.userInput(form.id, { to: 'acct-attacker', amount: 100000 })],
      },
      { principal: requester },
    )
    expect(changed.status).toBe('paused')
    const signOff = single(changed.activeRequirements)
    expect(signOff.kind).toBe('approval')
    expect(signOff.toolCall.args).toEqual({ to: 'acct-attacker', amount: 100000 })
    expect(ledger.calls).toEqual([])

    await app.approvals.decide(signOff.id, { approved: false, note: 'no' }, { principal: approver })
    expect((await app.continueRun({ runId: paused.runId })).status).toBe('completed')
    expect(ledger.calls).toEqual([])
  })

  it('an answer that leaves the amount under the limit runs as answered, with no approval', async () => {
    const { agent, app, ledger } = wiring(
      { requiresUserInput: true },
      { to: 'acct-legit', amount: 50 },
      {
        policies: [above(100)],
      },
    )
    const paused = await agent.run('pay', { principal: requester })
    const done = await app.continueRun(
      {
        runId: paused.runId,
        resolutions: [
          Resolutions.userInput(single(paused.activeRequirements).id, { to: 'acct-legit', amount: 60 }),
        ],
      },
      { principal: requester },
    )
    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-legit', amount: 60 }])
  })

  it("an approval given before a plugin's outcome changed the arguments is asked for again, and the record keeps what it approved", async () => {
    // A kind of the app's own, decided beside the approval, whose answer rewrites the amount.
    const Adjust = RequirementPlugin.make({
      kind: 'adjust_amount',
      answers: 'custom',
      request: Schema.Struct({}),
      resolution: Schema.Struct({ amount: Schema.Number }),
      outcome: ({ resolution, args }) =>
        RequirementPlugin.Outcome.Execute({ args: { ...args, amount: resolution.amount } }),
    })
    const { agent, app, ledger } = wiring(
      { approval: approval({ type: 'required' }) },
      { to: 'acct-legit', amount: 10 },
      { plugins: [Adjust], policies: [Policy.make('adjust', () => [Adjust.need({})])] },
    )
    const paused = await agent.run('pay', { principal: requester })
    const first = paused.activeRequirements.find((requirement) => requirement.kind === 'approval')!
    const adjust = paused.activeRequirements.find((requirement) => requirement.kind === 'adjust_amount')!
    await app.approvals.decide(first.id, { approved: true }, { principal: approver })
    const again = await app.continueRun(
      { runId: paused.runId, resolutions: [{ requirementId: adjust.id, value: { amount: 999999 } }] },
      {
        principal: requester,
      },
    )
    expect(again.status).toBe('paused')
    const second = single(again.activeRequirements)
    expect(second.kind).toBe('approval')
    expect(second.toolCall.args).toEqual({ to: 'acct-legit', amount: 999999 })
    expect(ledger.calls).toEqual([])
    expect((await app.approvals.get(first.id)).toolArgs).toEqual({ to: 'acct-legit', amount: 10 })

    await app.approvals.decide(second.id, { approved: true }, { principal: approver })
    expect((await app.continueRun({ runId: paused.runId })).status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ to: 'acct-legit', amount: 999999 }])
    expect((await app.approvals.get(second.id)).toolArgs).toEqual({ to: 'acct-legit', amount: 999999 })
    // The first approval's trail shows what it approved and, apart, what the call ran with after it was asked again.
    const trail = await app.approvals.history(first.id)
    expect(trail.map((entry) => entry._tag)).toEqual(['Requested', 'Decided', 'CallStarted', 'CallCompleted'])
    expect(trail[0]).toMatchObject({ toolArgs: { to: 'acct-legit', amount: 10 } })
    expect(trail[2]).toMatchObject({ args: { to: 'acct-legit', amount: 999999 } })
  })
})

describe('nobody approves their own call', () => {
  it('refuses a requester who holds the approver role, through the queue and through continueRun', async () => {
    const { agent, app, ledger } = wiring(
      { approval: approval({ type: 'required' }) },
      { to: 'a', amount: 5000 },
    )
    const paused = await agent.run('pay', { principal: approvingRequester })
    const signOff = single(paused.activeRequirements)
    await expect(
      app.approvals.decide(signOff.id, { approved: true }, { principal: approvingRequester }),
    ).rejects.toMatchObject({
      _tag: 'NotAllowedToResolve',
      reason: 'nobody approves their own calls (separation of duties)',
    })
    await expect(
      app.continueRun(
        { runId: paused.runId, resolutions: [Resolutions.confirm(signOff.id)] },
        { principal: approvingRequester },
      ),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    expect((await app.approvals.get(signOff.id)).status).toBe('pending')
    expect(ledger.calls).toEqual([])

    await app.approvals.decide(signOff.id, { approved: true }, { principal: approver })
    expect((await app.continueRun({ runId: paused.runId })).status).toBe('completed')
  })

  it('allows it only where the deployment says so (allowSelfApproval)', async () => {
    const ledger = makeLedger()
    const agent = new Agent({
      id: 'solo',
      model: ScriptedModel.make([wireCall({ to: 'a', amount: 1 }), 'Done.']),
      tools: [wireTool(ledger, { approval: approval({ type: 'required' }) })],
      allowSelfApproval: true,
    })
    const paused = await agent.run('pay', { principal: approvingRequester })
    single(paused.activeRequirements).confirm()
    expect((await agent.continueRun(paused, { principal: approvingRequester })).status).toBe('completed')
    expect(ledger.count('wire')).toBe(1)
  })
})
