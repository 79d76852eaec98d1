import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Confirmation,
  DefinitionError,
  InvalidResolution,
  NotAllowedToResolve,
  Policy,
  Principal,
  RequirementPlugin,
  ResolutionMethodMismatch,
  Resolutions,
  Tool,
} from '../src/index.js'
import { makeLedger, scriptedAgent, sendEmailTool } from './fixtures.js'

/** A kind that is not built in: the person picks one of the options the tool offers. */
const ChooseOne = RequirementPlugin.make({
  kind: 'choose_one',
  answers: 'custom',
  request: Schema.Struct({ question: Schema.String, options: Schema.Array(Schema.String) }),
  resolution: Schema.Struct({ choice: Schema.String }),
  check: (request, resolution) =>
    request.options.includes(resolution.choice)
      ? undefined
      : `"${resolution.choice}" is not one of the options`,
  outcome: ({ resolution, args }) =>
    RequirementPlugin.Outcome.Execute({ args: { ...args, plan: resolution.choice } }),
})

const subscribe = (ledger: ReturnType<typeof makeLedger>) =>
  Tool.make({
    name: 'subscribe',
    description: 'Subscribe the customer to a plan',
    parameters: Schema.Struct({ customer: Schema.String, plan: Schema.optional(Schema.String) }),
    requires: () => [ChooseOne.need({ question: 'Which plan?', options: ['basic', 'pro'] })],
    execute: (args, ctx) => {
      ledger.record('subscribe', args, ctx.idempotencyKey)
      return `subscribed ${args.customer} to ${args.plan}`
    },
  })

const script = [{ toolCalls: [{ name: 'subscribe', args: { customer: 'ada' } }] }, 'Subscribed.']

describe('a requirement kind defined outside the core', () => {
  it('pauses, takes its own resolution shape, and resumes with the choice applied', async () => {
    const ledger = makeLedger()
    const { agent, model } = scriptedAgent(script, { tools: [subscribe(ledger)], plugins: [ChooseOne] })
    const paused = await agent.run('put ada on a plan')
    const [requirement] = paused.activeRequirements
    expect(requirement).toMatchObject({
      kind: 'choose_one',
      request: { question: 'Which plan?', options: ['basic', 'pro'] },
    })
    expect(
      requirement!.needsConfirmation || requirement!.needsUserInput || requirement!.needsExternalExecution,
    ).toBe(false)

    requirement!.resolve({ choice: 'pro' })
    const done = await agent.continueRun(paused)

    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ customer: 'ada', plan: 'pro' }])
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({
      _tag: 'Tool',
      content: 'subscribed ada to pro',
    })
  })

  it('refuses answers its check rejects, and the built-in methods', async () => {
    const { agent } = scriptedAgent(script, { tools: [subscribe(makeLedger())], plugins: [ChooseOne] })
    const [requirement] = (await agent.run('put ada on a plan')).activeRequirements
    expect(() => requirement!.resolve({ choice: 'enterprise' })).toThrow(InvalidResolution)
    expect(() => requirement!.resolve({ plan: 'pro' })).toThrow(InvalidResolution)
    expect(() => requirement!.confirm()).toThrow(ResolutionMethodMismatch)
    expect(requirement!.isResolved).toBe(false)
  })

  it('checks resolutions at compile time through Resolutions.of', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(script, { tools: [subscribe(ledger)], plugins: [ChooseOne] })
    const paused = await agent.run('put ada on a plan')
    // @ts-expect-error: the kind's resolution is { choice: string }
    Resolutions.of(ChooseOne, paused.activeRequirements[0]!.id, { approved: true })
    const done = await agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.of(ChooseOne, paused.activeRequirements[0]!.id, { choice: 'basic' })],
    })
    expect(done.status).toBe('completed')
    expect(ledger.calls[0]!.args).toEqual({ customer: 'ada', plan: 'basic' })
  })

  it('must be registered on the agent: an unregistered kind fails the run instead of letting the call through', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(script, { tools: [subscribe(ledger)] })
    const output = await agent.run('put ada on a plan')
    expect(output.status).toBe('failed')
    expect(output.error).toContain('choose_one')
    expect(ledger.calls).toEqual([])
  })

  it('cannot take the kind of a built-in', () => {
    expect(() =>
      scriptedAgent(script, {
        plugins: [
          RequirementPlugin.make({
            kind: 'confirmation',
            answers: 'decision',
            request: Schema.Struct({}),
            outcome: ({ args }) => RequirementPlugin.Outcome.Execute({ args }),
          }),
        ],
      }),
    ).toThrow(DefinitionError)
  })
})

describe('policies', () => {
  const refundScript = (amount: number) => [
    { toolCalls: [{ name: 'refund', args: { amount } }] },
    'Refund handled.',
  ]
  const refund = (ledger: ReturnType<typeof makeLedger>) =>
    Tool.make({
      name: 'refund',
      description: 'Refund money',
      parameters: Schema.Struct({ amount: Schema.Number }),
      execute: ({ amount }, ctx) => {
        ledger.record('refund', { amount }, ctx.idempotencyKey)
        return `refunded ${amount}`
      },
    })
  const overLimit = Policy.make('refunds over 100 need confirmation', ({ call }) =>
    call.name === 'refund' && Number(call.args.amount) > 100
      ? [Confirmation.need({ message: 'Large refund' })]
      : [],
  )

  it('gate only the calls they choose', async () => {
    const ledger = makeLedger()
    const small = scriptedAgent(refundScript(20), { tools: [refund(ledger)], policies: [overLimit] })
    expect((await small.agent.run('refund 20')).status).toBe('completed')
    expect(ledger.count('refund')).toBe(1)

    const large = scriptedAgent(refundScript(500), { tools: [refund(ledger)], policies: [overLimit] })
    const paused = await large.agent.run('refund 500')
    expect(paused.status).toBe('paused')
    expect(paused.activeRequirements[0]).toMatchObject({
      kind: 'confirmation',
      request: { message: 'Large refund' },
    })
    expect(ledger.count('refund')).toBe(1)
  })

  it('add to what the tool requires itself, judged once its form is filled, and every requirement must be met', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [
        {
          toolCalls: [{ name: 'send_email', args: { to: 'ada@example.com', subject: 'Hi', body: 'Hello' } }],
        },
        'Sent.',
      ],
      {
        tools: [sendEmailTool(ledger, { userInputFields: ['body'] })],
        policies: [Policy.make('emails need sign-off', () => [Confirmation.need({})])],
      },
    )
    const paused = await agent.run('email ada')
    expect(paused.activeRequirements.map((requirement) => requirement.kind)).toEqual(['user_input'])
    paused.activeRequirements[0]!.provideUserInput({ body: 'Hello from a person' })
    const filled = await agent.continueRun(paused)
    const [confirmation] = filled.activeRequirements
    expect(filled.activeRequirements.map((requirement) => requirement.kind)).toEqual(['confirmation'])
    // The confirmation is asked about the call as it will run.
    expect(confirmation!.toolCall.args).toEqual({
      to: 'ada@example.com',
      subject: 'Hi',
      body: 'Hello from a person',
    })
    expect(ledger.calls).toEqual([])
    confirmation!.confirm()
    await agent.continueRun(filled)
    expect(ledger.calls.map((call) => call.args)).toEqual([
      { to: 'ada@example.com', subject: 'Hi', body: 'Hello from a person' },
    ])
  })

  it('a rejection among several requirements skips the call', async () => {
    const ledger = makeLedger()
    const { agent, model } = scriptedAgent(
      [
        {
          toolCalls: [{ name: 'send_email', args: { to: 'ada@example.com', subject: 'Hi', body: 'Hello' } }],
        },
        'Not sent.',
      ],
      {
        tools: [sendEmailTool(ledger, { requiresConfirmation: true })],
        policies: [Policy.make('second opinion', () => [Confirmation.need({ message: 'second opinion' })])],
      },
    )
    const paused = await agent.run('email ada')
    const [mine, secondOpinion] = paused.activeRequirements
    mine!.confirm()
    secondOpinion!.reject('Not to Ada')
    const done = await agent.continueRun(paused)
    expect(ledger.calls).toEqual([])
    expect(done.toolExecutions[0]).toMatchObject({ status: 'skipped', content: 'Not to Ada' })
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({
      _tag: 'Tool',
      outcome: 'skipped',
      content: 'Not to Ada',
    })
  })

  it('fail closed when they answer with something other than a list', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(refundScript(5), {
      tools: [refund(ledger)],
      policies: [Policy.make('broken', () => 'yes' as never)],
    })
    const output = await agent.run('refund 5')
    expect(output.status).toBe('failed')
    expect(output.error).toContain('broken')
    expect(ledger.calls).toEqual([])
  })
})

describe('who may resolve', () => {
  it('is decided on the request in its kind’s decoded shape, before the answer is looked at', async () => {
    const seen: Array<unknown> = []
    const SignOff = RequirementPlugin.make({
      kind: 'sign_off',
      answers: 'decision',
      request: Schema.Struct({ amount: Schema.NumberFromString }),
      mayResolve: (principal, { request }) => {
        seen.push(request.amount)
        return principal.roles.includes('manager') && request.amount < 1_000
      },
      outcome: ({ args, resolution }) =>
        resolution.approved
          ? RequirementPlugin.Outcome.Execute({ args })
          : RequirementPlugin.Outcome.Skip({ message: 'no' }),
    })
    const pay = Tool.make({
      name: 'pay',
      description: 'Pay an invoice',
      parameters: Schema.Struct({ amount: Schema.Number }),
      requires: ({ amount }) => [SignOff.need({ amount: Number(amount) })],
      execute: ({ amount }) => `paid ${amount}`,
    })
    const { agent } = scriptedAgent([{ toolCalls: [{ name: 'pay', args: { amount: 250 } }] }, 'Paid.'], {
      tools: [pay],
      plugins: [SignOff],
    })
    const paused = await agent.run('email')
    const id = paused.activeRequirements[0]!.id
    const clerk = new Principal({ id: 'clerk', roles: [] })
    // A stranger's malformed answer is refused for who they are, not for its shape.
    await expect(
      agent.resolve(paused.runId, [{ requirementId: id, value: 'garbage' }], { principal: clerk }),
    ).rejects.toBeInstanceOf(NotAllowedToResolve)
    const done = await agent.continueRun(
      { runId: paused.runId, resolutions: [Resolutions.confirm(id)] },
      { principal: new Principal({ id: 'maya', roles: ['manager'] }) },
    )
    expect(done.status).toBe('completed')
    expect(seen).toEqual([250, 250])
  })
})
