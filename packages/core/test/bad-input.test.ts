import { Effect, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  InvalidRequest,
  InvalidResolution,
  InvalidRunInput,
  maxJsonDepth,
  NotAllowedToResolve,
  Principal,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RequirementPlugin,
  type Requirement,
  ResolutionMethodMismatch,
  Resolutions,
  RunNotContinuable,
  RunNotFound,
  ScriptedModel,
  Tool,
  type RunStore,
} from '../src/index.js'
import { heldTransfer, makeLedger, scriptedAgent, weatherTool, type Ledger } from './fixtures.js'

/*
 * Invariant 7: bad input changes nothing. Every case below asserts the typed error AND that the
 * store holds exactly what it held before the call.
 */

/** Everything the store keeps about a run, uncommitted transcript included. */
const snapshot = (store: RunStore, runId: string) =>
  Effect.runPromise(
    Effect.all({
      run: store.getRun(runId),
      requirements: store.listRequirements(runId),
      events: store.readEvents(runId, 0),
      transcript: store.readTranscript(runId),
    }),
  )

/** Runs `action`, which must fail; checks the run's stored state did not move, and answers the error. */
const refusedWithoutChange = async (
  store: RunStore,
  runId: string,
  action: () => unknown,
): Promise<unknown> => {
  const before = await snapshot(store, runId)
  let error: unknown
  try {
    await action()
  } catch (caught) {
    error = caught
  }
  expect(error, 'the call should have been refused').toBeDefined()
  expect(await snapshot(store, runId)).toEqual(before)
  return error
}

/** What `act` throws, synchronously. */
const thrownBy = (act: () => void): unknown => {
  try {
    act()
  } catch (error) {
    return error
  }
  return undefined
}

/** One of the typed errors a caller can match on, not a defect (ParseError, TypeError) escaping the engine. */
const expectOneOf = (error: unknown, classes: ReadonlyArray<abstract new (...args: never) => unknown>) =>
  expect(
    classes.some((typed) => error instanceof typed),
    `expected one of ${classes.map((typed) => typed.name).join(', ')}, got ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message).split('\n')[0]}`,
  ).toBe(true)

const script = (name: string, args: Record<string, unknown>) => [
  { content: 'On it.', toolCalls: [{ name, args }] },
  'Done.',
]

/** A run paused on one call of `tool`, as the model asked for it with `args`. */
const pausedOn = async (tool: (ledger: Ledger) => Tool.Tool, args: Record<string, unknown>) => {
  const ledger = makeLedger()
  const made = tool(ledger)
  const { agent, store } = scriptedAgent(script(made.name, args), { tools: [made] })
  const output = await agent.run('please')
  expect(output.status).toBe('paused')
  return { agent, store, ledger, output, runId: output.runId, requirement: output.activeRequirements[0]! }
}

const confirmationRun = () =>
  pausedOn((ledger) => weatherTool(ledger, { requiresConfirmation: true }), { city: 'Paris' })
const externalRun = () =>
  pausedOn((ledger) => weatherTool(ledger, { externalExecution: true }), { city: 'Paris' })

/** A tool whose numeric `degrees` is asked of the person, never of the model. */
const thermostatTool = (ledger: Ledger) =>
  Tool.make({
    name: 'set_thermostat',
    description: 'Set a room thermostat',
    parameters: Schema.Struct({ room: Schema.String, degrees: Schema.Number }),
    userInputFields: ['degrees'],
    execute: (args, ctx) => {
      ledger.record('set_thermostat', args, ctx.idempotencyKey)
      return `set ${args.room} to ${args.degrees}`
    },
  })
const userInputRun = () => pausedOn(thermostatTool, { room: 'kitchen' })

describe('unknown run ids', () => {
  it('are RunNotFound for continueRun, resolve, cancelRun and getRun, and touch no existing run', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    const calls = [
      () => agent.continueRun({ runId: 'no-such-run' }),
      () => agent.continueRun({ runId: 'no-such-run', resolutions: [Resolutions.confirm(requirement.id)] }),
      () => agent.resolve('no-such-run', [Resolutions.confirm(requirement.id)]),
      () => agent.cancelRun('no-such-run'),
      () => agent.getRun('no-such-run'),
    ]
    for (const call of calls) {
      const error = await refusedWithoutChange(store, runId, call)
      expect(error).toBeInstanceOf(RunNotFound)
      expect(error).toMatchObject({ _tag: 'RunNotFound', runId: 'no-such-run' })
    }
    expect(await snapshot(store, 'no-such-run')).toMatchObject({
      requirements: [],
      events: [],
      transcript: [],
    })
  })
})

describe('a run of another agent on the same store', () => {
  it('is RunNotFound for resolve, continueRun and cancelRun, which leave it to its own agent', async () => {
    const { agent: billing, store, runId, requirement, ledger } = await confirmationRun()
    const support = new Agent({ id: 'support', model: ScriptedModel.make(['Support here.']), store })
    for (const call of [
      () => support.resolve(runId, [Resolutions.confirm(requirement.id)]),
      () => support.continueRun({ runId, resolutions: [Resolutions.confirm(requirement.id)] }),
      () => support.cancelRun(runId),
    ])
      expect(await refusedWithoutChange(store, runId, call)).toBeInstanceOf(RunNotFound)

    requirement.confirm()
    expect((await billing.continueRun({ runId, resolutions: [requirement.pendingResolution!] })).status).toBe(
      'completed',
    )
    expect(ledger.count('get_the_weather')).toBe(1)
  })
})

describe('unknown requirement ids', () => {
  it('are RequirementNotFound, and the valid resolutions of the same request are not recorded', async () => {
    const { agent, store, runId, requirement, ledger } = await confirmationRun()
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.confirm(requirement.id), Resolutions.confirm('no-such-requirement')]),
    )
    expect(error).toMatchObject({ _tag: 'RequirementNotFound', runId, requirementId: 'no-such-requirement' })
    expect((await agent.getRun(runId)).activeRequirements.map((open) => open.id)).toEqual([requirement.id])
    expect(ledger.calls).toEqual([])
  })

  it('include a requirement of another run', async () => {
    const first = await confirmationRun()
    const second = await confirmationRun()
    const error = await refusedWithoutChange(first.store, first.runId, () =>
      first.agent.resolve(first.runId, [Resolutions.confirm(second.requirement.id)]),
    )
    expect(error).toBeInstanceOf(RequirementNotFound)
    // And the other way round, through continueRun.
    const mixed = await refusedWithoutChange(second.store, second.runId, () =>
      second.agent.continueRun({
        runId: second.runId,
        resolutions: [Resolutions.confirm(first.requirement.id)],
      }),
    )
    expect(mixed).toMatchObject({ _tag: 'RequirementNotFound', requirementId: first.requirement.id })
  })
})

describe('the wrong method on a requirement handle', () => {
  it('throws ResolutionMethodMismatch at once, for each kind, and records nothing', async () => {
    const cases: Array<{
      run: Awaited<ReturnType<typeof pausedOn>>
      method: string
      wrong: (r: Requirement) => void
    }> = [
      {
        run: await confirmationRun(),
        method: 'provideUserInput',
        wrong: (r) => r.provideUserInput({ city: 'Rome' }),
      },
      { run: await externalRun(), method: 'confirm', wrong: (r) => r.confirm() },
      {
        run: await userInputRun(),
        method: 'setExternalExecutionResult',
        wrong: (r) => r.setExternalExecutionResult(21),
      },
      { run: await userInputRun(), method: 'reject', wrong: (r) => r.reject('no') },
      {
        run: await externalRun(),
        method: 'provideUserInput',
        wrong: (r) => r.provideUserInput({ city: 'Rome' }),
      },
    ]
    for (const { run, wrong, method } of cases) {
      const before = await snapshot(run.store, run.runId)
      const error = thrownBy(() => wrong(run.requirement))
      expect(error).toBeInstanceOf(ResolutionMethodMismatch)
      expect(error).toMatchObject({ requirementId: run.requirement.id, kind: run.requirement.kind, method })
      expect(run.requirement.pendingResolution).toBeUndefined()
      expect(run.requirement.isResolved).toBe(false)
      expect(await snapshot(run.store, run.runId)).toEqual(before)
    }
  })
})

describe('wrongly shaped resolutions', () => {
  it('are InvalidResolution through resolve, for a decision that is not a boolean, missing or with extra keys', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    for (const value of [
      { approved: 'yes' },
      {},
      'yes',
      null,
      { approved: true, extra: 1 },
      { approved: false, note: 7 },
    ]) {
      const error = await refusedWithoutChange(store, runId, () =>
        agent.resolve(runId, [{ requirementId: requirement.id, value }]),
      )
      expect(error).toBeInstanceOf(InvalidResolution)
      expect(error).toMatchObject({ requirementId: requirement.id, kind: 'confirmation' })
    }
  })

  it('are InvalidResolution for values nested past the JSON depth bound, with no stack trace in the message', async () => {
    const { agent, store, runId, requirement } = await externalRun()
    const nested = (levels: number) => {
      let value: unknown = 'bottom'
      for (let level = 0; level < levels; level++) value = [value]
      return value
    }
    for (const levels of [maxJsonDepth, 10_000]) {
      const error = await refusedWithoutChange(store, runId, () =>
        agent.resolve(runId, [{ requirementId: requirement.id, value: { result: nested(levels) } }]),
      )
      expectOneOf(error, [InvalidRequest, InvalidResolution])
      const message = (error as Error).message
      expect(message).toContain(`nested at most ${maxJsonDepth} levels deep`)
      expect(message).not.toMatch(/RangeError|\n\s+at |\/work\/|node_modules/)
    }
    const fits = await agent.resolve(runId, [
      { requirementId: requirement.id, value: { result: nested(maxJsonDepth - 2) } },
    ])
    expect(fits).toHaveLength(1)
  })

  it('are InvalidResolution for an external result that is missing', async () => {
    const { agent, store, runId, requirement } = await externalRun()
    expect(() => requirement.setExternalExecutionResult(undefined)).toThrow(InvalidResolution)
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [{ requirementId: requirement.id, value: {} }]),
    )
    expect(error).toBeInstanceOf(InvalidResolution)
  })

  it('are InvalidResolution when the same requirement is answered twice in one request', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.confirm(requirement.id), Resolutions.reject(requirement.id)]),
    )
    expect(error).toBeInstanceOf(InvalidResolution)
  })
})

describe('user input of the wrong shape', () => {
  const wrongInputs = [
    { why: 'a string for a number field', values: { degrees: 'warm' } },
    { why: 'an unknown field name', values: { degrees: 21, colour: 'red' } },
    { why: 'a missing required field', values: {} },
    { why: 'a prefilled field overwritten with the wrong type', values: { degrees: 21, room: 3 } },
  ]

  it.each(wrongInputs)('is refused on the handle at once: $why', async ({ values }) => {
    const { store, runId, requirement, ledger } = await userInputRun()
    const before = await snapshot(store, runId)
    expect(() => requirement.provideUserInput(values)).toThrow(InvalidResolution)
    expect(requirement.pendingResolution).toBeUndefined()
    expect(await snapshot(store, runId)).toEqual(before)
    expect(ledger.calls).toEqual([])
  })

  it.each(wrongInputs)('is refused by resolve and by continueRun: $why', async ({ values }) => {
    const { agent, store, runId, requirement, ledger } = await userInputRun()
    const viaResolve = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.userInput(requirement.id, values)]),
    )
    expect(viaResolve).toBeInstanceOf(InvalidResolution)
    const viaContinue = await refusedWithoutChange(store, runId, () =>
      agent.continueRun({ runId, resolutions: [Resolutions.userInput(requirement.id, values)] }),
    )
    expect(viaContinue).toBeInstanceOf(InvalidResolution)
    expect(ledger.calls).toEqual([])
  })

  it('is accepted once it is right, and the tool runs with it', async () => {
    const { agent, output, requirement, ledger } = await userInputRun()
    requirement.provideUserInput({ degrees: 21 })
    const done = await agent.continueRun(output)
    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([{ room: 'kitchen', degrees: 21 }])
  })
})

describe('deciding twice', () => {
  const alice = new Principal({ id: 'alice', roles: [] })
  const bob = new Principal({ id: 'bob', roles: [] })

  it('is RequirementAlreadyResolved in the store, and the first decision is kept', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    await agent.resolve(runId, [Resolutions.confirm(requirement.id)], { principal: alice })
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.reject(requirement.id, 'changed my mind')], { principal: bob }),
    )
    expect(error).toMatchObject({ _tag: 'RequirementAlreadyResolved', requirementId: requirement.id })
    const [stored] = await Effect.runPromise(store.listRequirements(runId))
    expect(stored?.resolution).toMatchObject({ value: { approved: true }, resolvedBy: { id: 'alice' } })
  })

  it('is RequirementAlreadyResolved through a stale output, and the run stays paused', async () => {
    const { agent, store, runId, requirement, output, ledger } = await confirmationRun()
    await agent.resolve(runId, [Resolutions.confirm(requirement.id)], { principal: alice })
    requirement.reject('too late') // the handle predates the stored decision
    const error = await refusedWithoutChange(store, runId, () =>
      agent.continueRun(output, { principal: bob }),
    )
    expect(error).toBeInstanceOf(RequirementAlreadyResolved)
    expect((await agent.getRun(runId)).status).toBe('paused')
    expect(ledger.calls).toEqual([])
  })

  it('is RequirementAlreadyResolved on a fresh handle of a stored decision', async () => {
    const { agent, runId, requirement } = await confirmationRun()
    await agent.resolve(runId, [Resolutions.confirm(requirement.id)], { principal: alice })
    const fresh = (await agent.getRun(runId)).requirements[0]!
    expect(fresh.isResolved).toBe(true)
    expect(() => fresh.reject()).toThrow(RequirementAlreadyResolved)
    expect(fresh.resolution).toEqual({ approved: true })
  })

  it('is RequirementAlreadyResolved on the same handle, which keeps its first decision', async () => {
    const { store, runId, requirement } = await confirmationRun()
    const before = await snapshot(store, runId)
    requirement.confirm()
    expect(() => requirement.reject('no')).toThrow(RequirementAlreadyResolved)
    expect(() => requirement.confirm()).toThrow(RequirementAlreadyResolved)
    expect(requirement.pendingResolution).toEqual({
      requirementId: requirement.id,
      value: { approved: true },
    })
    expect(await snapshot(store, runId)).toEqual(before)
  })
})

describe('run input', () => {
  it.each([
    { why: 'an empty string', input: '' },
    { why: 'blank space', input: '  \n ' },
    { why: 'a number', input: 42 },
    { why: 'undefined', input: undefined },
    { why: 'an object', input: { text: 'hello' } },
  ])('is InvalidRunInput for $why, and the model is never called', async ({ input }) => {
    const { agent, model } = scriptedAgent(['Hello.'])
    await expect(agent.run(input as string)).rejects.toBeInstanceOf(InvalidRunInput)
    await expect(agent.run(input as string)).rejects.toMatchObject({ _tag: 'InvalidRunInput' })
    expect(model.requests).toEqual([])
  })
})

describe('runs that are not paused', () => {
  it('refuse continueRun and resolve once completed', async () => {
    const { agent, store } = scriptedAgent(['Hello.'])
    const done = await agent.run('hi')
    const runId = done.runId
    expect(done.status).toBe('completed')
    for (const call of [() => agent.continueRun({ runId }), () => agent.resolve(runId, [])]) {
      const error = await refusedWithoutChange(store, runId, call)
      expect(error).toMatchObject({ _tag: 'RunNotContinuable', runId, status: 'completed' })
    }
  })

  it('refuse decisions while running: a tool held mid-execution sees no second decision', async () => {
    const { tool: slowTransfer, entered, release, ledger } = heldTransfer()
    const { agent, store } = scriptedAgent(script('transfer', { amount: 10 }), { tools: [slowTransfer] })
    const paused = await agent.run('move 10')
    const requirement = paused.activeRequirements[0]!
    requirement.confirm()
    const continuing = agent.continueRun(paused)
    await entered.opened

    expect((await agent.getRun(paused.runId)).status).toBe('running')
    for (const call of [
      () => agent.resolve(paused.runId, [Resolutions.reject(requirement.id)]),
      () => agent.continueRun({ runId: paused.runId, resolutions: [Resolutions.reject(requirement.id)] }),
      () => agent.continueRun({ runId: paused.runId }),
    ]) {
      const error = await refusedWithoutChange(store, paused.runId, call)
      expect(error).toBeInstanceOf(RunNotContinuable)
      expect(error).toMatchObject({ status: 'running' })
    }

    release.open()
    const done = await continuing
    expect(done.status).toBe('completed')
    expect(done.requirements[0]?.resolution).toEqual({ approved: true })
    expect(ledger.count('transfer')).toBe(1)
  })
})

describe('a resolver the plugin does not allow', () => {
  const ManagerApproval = RequirementPlugin.make({
    kind: 'manager_approval',
    answers: 'decision',
    request: Schema.Struct({ reason: Schema.String }),
    outcome: ({ call, resolution, args }) =>
      resolution.approved
        ? RequirementPlugin.Outcome.Execute({ args })
        : RequirementPlugin.Outcome.Skip({ message: `${call.name} was not approved` }),
    mayResolve: (principal) => principal.roles.includes('approver'),
  })

  const refundTool = (ledger: Ledger) =>
    Tool.make({
      name: 'refund',
      description: 'Refund an order',
      parameters: Schema.Struct({ order: Schema.String }),
      requires: () => [ManagerApproval.need({ reason: 'refunds need a manager' })],
      execute: (args, ctx) => {
        ledger.record('refund', args, ctx.idempotencyKey)
        return 'refunded'
      },
    })

  const bob = new Principal({ id: 'bob', roles: ['user'] })
  const carol = new Principal({ id: 'carol', roles: ['approver'] })

  /** Pauses on a refund (needs an approver) and a weather call (needs anyone's confirmation). */
  const setup = async () => {
    const ledger = makeLedger()
    const { agent, store } = scriptedAgent(
      [
        {
          toolCalls: [
            { name: 'get_the_weather', args: { city: 'Oslo' } },
            { name: 'refund', args: { order: 'A-1' } },
          ],
        },
        'Done.',
      ],
      {
        tools: [weatherTool(ledger, { requiresConfirmation: true }), refundTool(ledger)],
        plugins: [ManagerApproval],
      },
    )
    const output = await agent.run('refund A-1 and tell me the weather')
    const [weather, refund] = output.activeRequirements
    expect([weather?.kind, refund?.kind]).toEqual(['confirmation', 'manager_approval'])
    return { agent, store, ledger, output, runId: output.runId, weather: weather!, refund: refund! }
  }

  it('is NotAllowedToResolve, and the allowed decision in the same request is not recorded', async () => {
    const { agent, store, runId, weather, refund } = await setup()
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.confirm(weather.id), Resolutions.confirm(refund.id)], {
        principal: bob,
      }),
    )
    expect(error).toBeInstanceOf(NotAllowedToResolve)
    expect(error).toMatchObject({ requirementId: refund.id, principalId: 'bob' })
    expect((await agent.getRun(runId)).activeRequirements).toHaveLength(2)
  })

  it('is NotAllowedToResolve through continueRun, and for the run owner by default', async () => {
    const { agent, store, runId, output, weather, refund, ledger } = await setup()
    weather.confirm()
    refund.confirm()
    expect(
      await refusedWithoutChange(store, runId, () => agent.continueRun(output, { principal: bob })),
    ).toBeInstanceOf(NotAllowedToResolve)
    expect(await refusedWithoutChange(store, runId, () => agent.continueRun(output))).toMatchObject({
      _tag: 'NotAllowedToResolve',
      principalId: 'anonymous',
    })
    expect(ledger.calls).toEqual([])
  })

  it('lets an approver resolve it, and the run goes on', async () => {
    const { agent, runId, output, weather, refund, ledger } = await setup()
    weather.confirm()
    refund.confirm()
    const done = await agent.continueRun(output, { principal: carol })
    expect(done.status).toBe('completed')
    expect(done.requirements.map((requirement) => requirement.resolvedBy?.id)).toEqual(['carol', 'carol'])
    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather', 'refund'])
    expect(done.runId).toBe(runId)
  })
})

describe('wrong types at the boundary (plain JavaScript callers, JSON off the wire)', () => {
  it.each([42, undefined, null, { runId: 'x' }])(
    'a run id of %j is RunNotFound on every entry point',
    async (bad) => {
      const { agent, store, runId, requirement } = await confirmationRun()
      const runIdOf = bad as unknown as string
      for (const call of [
        () => agent.getRun(runIdOf),
        () => agent.cancelRun(runIdOf),
        () => agent.resolve(runIdOf, [Resolutions.confirm(requirement.id)]),
        () => agent.continueRun({ runId: runIdOf, resolutions: [Resolutions.confirm(requirement.id)] }),
      ])
        expectOneOf(await refusedWithoutChange(store, runId, call), [RunNotFound])
    },
  )

  it('a continue request that is not an object is a typed error', async () => {
    const { agent, store, runId } = await confirmationRun()
    for (const request of [null, undefined, 'run-id'])
      expectOneOf(
        await refusedWithoutChange(store, runId, () =>
          agent.continueRun(request as unknown as { runId: string }),
        ),
        [RunNotFound],
      )
  })

  it.each([
    { why: 'a list that is a string', resolutions: 'confirm' },
    { why: 'no list', resolutions: undefined },
    { why: 'a null entry', resolutions: [null] },
    { why: 'an entry without an id', resolutions: [{ value: { approved: true } }] },
    { why: 'a numeric id', resolutions: [{ requirementId: 42, value: { approved: true } }] },
  ])('resolutions with $why are a typed error and record nothing', async ({ resolutions }) => {
    const { agent, store, runId } = await confirmationRun()
    const bad = resolutions as unknown as ReadonlyArray<{ requirementId: string; value: unknown }>
    expectOneOf(await refusedWithoutChange(store, runId, () => agent.resolve(runId, bad)), [InvalidRequest])
    if (Array.isArray(bad))
      expectOneOf(
        await refusedWithoutChange(store, runId, () => agent.continueRun({ runId, resolutions: bad })),
        [InvalidRequest],
      )
  })

  it('a resolver given as a plain { id, roles } object (it type-checks as a Principal) is recorded', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    const plain: Principal = { id: 'dana', roles: ['ops'] }
    await agent.resolve(runId, [Resolutions.confirm(requirement.id)], { principal: plain })
    const [stored] = await Effect.runPromise(store.listRequirements(runId))
    expect(stored?.resolution?.resolvedBy).toMatchObject({ id: 'dana', roles: ['ops'] })
  })

  it('a resolver that is not a principal is a typed error and records nothing', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    const bad = { id: '', roles: 'admin' } as unknown as Principal
    const error = await refusedWithoutChange(store, runId, () =>
      agent.resolve(runId, [Resolutions.confirm(requirement.id)], { principal: bad }),
    )
    expectOneOf(error, [InvalidRequest])
  })

  it.each([
    { why: 'a function', value: () => 1 },
    { why: 'a BigInt', value: 10n },
    {
      why: 'a circular object',
      value: (() => {
        const loop: Record<string, unknown> = {}
        loop.self = loop
        return loop
      })(),
    },
    { why: 'NaN', value: Number.NaN },
  ])(
    'a resolution holding $why, which JSON cannot carry, is a typed error and records nothing',
    async ({ value }) => {
      const { agent, store, runId, requirement } = await confirmationRun()
      expectOneOf(
        await refusedWithoutChange(store, runId, () =>
          agent.resolve(runId, [{ requirementId: requirement.id, value: { approved: true, note: value } }]),
        ),
        [InvalidRequest],
      )
    },
  )

  it('an external result JSON cannot carry is refused by the requirement itself', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Rome' } }] }, 'Done.'],
      { tools: [weatherTool(ledger, { externalExecution: true })] },
    )
    const [requirement] = (await agent.run('weather?')).activeRequirements
    expect(() => requirement!.setExternalExecutionResult(10n)).toThrow(InvalidResolution)
    expect(() => requirement!.setExternalExecutionResult(undefined)).toThrow(InvalidResolution)
    expect(requirement!.isResolved).toBe(false)
  })

  it('an oversized resolution is a typed error and records nothing', async () => {
    const { agent, store, runId, requirement } = await confirmationRun()
    const huge = { approved: false, note: 'x'.repeat(300 * 1024) }
    expectOneOf(
      await refusedWithoutChange(store, runId, () =>
        agent.resolve(runId, [{ requirementId: requirement.id, value: huge }]),
      ),
      [InvalidRequest],
    )
  })

  it('an oversized run input is InvalidRunInput, and the model is never called', async () => {
    const { agent, model } = scriptedAgent(['Hello.'])
    await expect(agent.run('x'.repeat(300 * 1024))).rejects.toBeInstanceOf(InvalidRunInput)
    expect(model.requests).toEqual([])
  })

  it('a run started by a plain { id, roles } principal runs', async () => {
    const { agent } = scriptedAgent(['Hello.'])
    const plain: Principal = { id: 'erin', roles: [] }
    expect((await agent.run('hi', { principal: plain })).status).toBe('completed')
  })

  it.each([
    { why: 'an empty userId', options: { userId: '' } },
    { why: 'a numeric sessionId', options: { sessionId: 5 } },
    { why: 'a principal without an id', options: { principal: { id: '', roles: [] } } },
  ])('run options with $why are InvalidRunInput, and the model is never called', async ({ options }) => {
    const { agent, model } = scriptedAgent(['Hello.'])
    const error = await agent.run('hi', options as object).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expectOneOf(error, [InvalidRunInput])
    expect(model.requests).toEqual([])
  })
})
