import { Effect, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  dynamicUserInput,
  MemoryStore,
  Policy,
  Principal,
  RequirementAlreadyResolved,
  RequirementsUnresolved,
  Resolutions,
  RunBusy,
  RunClaimed,
  RunNotContinuable,
  RunRecord,
  ScriptedModel,
  Tool,
  type Requirement,
  type RunEvent,
  type JournalBatch,
  type RunOutput,
  type RunStore,
  type Toolkit,
} from '../src/index.js'
import {
  gate,
  heldTransfer,
  listFilesTool,
  makeLedger,
  scriptedAgent,
  sendEmailTool,
  weatherTool,
  type Ledger,
} from './fixtures.js'

/*
 * The invariants of DESIGN.md that the core alone must keep, one describe each (7 has its own
 * file: bad-input.test.ts).
 */

const tags = (events: ReadonlyArray<RunEvent>) => events.map((event) => event._tag)
const eventsOf = (store: RunStore, runId: string, afterSeq = 0) =>
  Effect.runPromise(store.readEvents(runId, afterSeq))
const recordOf = async (store: RunStore, runId: string) => {
  const record = await Effect.runPromise(store.getRun(runId))
  if (record._tag === 'None') throw new Error(`run ${runId} is not stored`)
  return record.value
}

/**
 * The memory store with a scheduler yield before each operation: concurrent callers interleave
 * between their reads and their writes, so a winner can only come from the store's own atomic
 * operations (a read-then-write in the engine would let two through).
 */
const withYields = (store: RunStore): RunStore =>
  Object.fromEntries(
    Object.entries(store).map(([name, operation]) => [
      name,
      (...args: Array<unknown>) =>
        Effect.zipRight(
          Effect.yieldNow(),
          (operation as (...args: Array<unknown>) => Effect.Effect<unknown, unknown>)(...args),
        ),
    ]),
  ) as unknown as RunStore

const stores = [
  { store: 'the memory store', make: () => MemoryStore.make() },
  { store: 'the memory store with interleaving', make: () => withYields(MemoryStore.make()) },
]

const oneCall = (name: string, args: Record<string, unknown>, content = 'On it.') => ({
  content,
  toolCalls: [{ name, args }],
})

/** A run paused on one confirmation of get_the_weather. */
const pausedWeather = async (store: RunStore = MemoryStore.make()) => {
  const ledger = makeLedger()
  const { agent, model } = scriptedAgent(
    [oneCall('get_the_weather', { city: 'Paris' }), 'It is 70 degrees.'],
    {
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
      store,
    },
  )
  const output = await agent.run('weather in Paris?')
  expect(output.status).toBe('paused')
  return {
    agent,
    store,
    model,
    ledger,
    output,
    runId: output.runId,
    requirement: output.activeRequirements[0]!,
  }
}

/**
 * The memory store, holding the first write of a `tag` event until the test releases it: a gate
 * at an exact point of the engine's work. Everything else passes straight through.
 */
const holdingEvent = (tag: RunEvent['_tag']) => {
  const store = MemoryStore.make()
  const arrived = gate()
  const release = gate()
  let runId = ''
  let held = false
  const hold = <E>(batch: JournalBatch | undefined, write: Effect.Effect<void, E>) => {
    const event = batch?.events.find((candidate) => candidate._tag === tag)
    if (held || event === undefined) return write
    held = true
    runId = event.runId
    arrived.open()
    return Effect.zipRight(
      Effect.promise(() => release.opened),
      write,
    )
  }
  const holding: RunStore = {
    ...store,
    createRun: (run, first) => hold(first, store.createRun(run, first)),
    appendBatch: (batch) => hold(batch, store.appendBatch(batch)),
  }
  return { store: holding, reached: arrived.opened.then(() => runId), release: release.open }
}

describe('invariant 1: no gated action runs before its decision is recorded', () => {
  it('does not run a gated tool when the run pauses, and runs the free call of the same turn', async () => {
    const ledger = makeLedger()
    const { agent, store } = scriptedAgent(
      [
        { toolCalls: [{ name: 'list_files' }, { name: 'get_the_weather', args: { city: 'Paris' } }] },
        'Done.',
      ],
      { tools: [listFilesTool(ledger), weatherTool(ledger, { requiresConfirmation: true })] },
    )
    const paused = await agent.run('go')
    expect(paused.status).toBe('paused')
    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files'])
    expect(paused.toolExecutions.map((execution) => [execution.toolName, execution.status])).toEqual([
      ['list_files', 'completed'],
      ['get_the_weather', 'pending'],
    ])
    const started = (await eventsOf(store, paused.runId)).flatMap((event) =>
      event._tag === 'ToolCallStarted' ? [event.toolCall.name] : [],
    )
    expect(started).toEqual(['list_files'])
  })

  it('refuses to continue with nothing resolved: RequirementsUnresolved, the tool idle, the run still paused', async () => {
    const { agent, store, ledger, output, runId, requirement } = await pausedWeather()
    const before = await eventsOf(store, runId)
    for (const request of [output, { runId }, { runId, resolutions: [] }]) {
      const error = await agent.continueRun(request).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(RequirementsUnresolved)
      expect(error).toMatchObject({ runId, requirementIds: [requirement.id] })
    }
    expect(ledger.calls).toEqual([])
    expect((await agent.getRun(runId)).status).toBe('paused')
    expect(await eventsOf(store, runId)).toEqual(before)
  })

  it('treats a partly decided pause as undecided: neither call runs until both are decided', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [
        {
          toolCalls: [
            { name: 'get_the_weather', args: { city: 'Paris' } },
            { name: 'send_email', args: { to: 'ada@example.com', subject: 'Hi', body: 'Hello' } },
          ],
        },
        'Done.',
      ],
      {
        tools: [
          weatherTool(ledger, { requiresConfirmation: true }),
          sendEmailTool(ledger, { requiresConfirmation: true }),
        ],
      },
    )
    const paused = await agent.run('go')
    const [weather, email] = paused.activeRequirements
    weather!.confirm()
    await expect(agent.continueRun(paused)).rejects.toMatchObject({
      _tag: 'RequirementsUnresolved',
      requirementIds: [email!.id],
    })
    expect(ledger.calls).toEqual([])
    const stillPaused = await agent.getRun(paused.runId)
    expect(stillPaused.status).toBe('paused')
    expect(stillPaused.activeRequirements.map((requirement) => requirement.id)).toEqual([email!.id])

    await agent.resolve(paused.runId, [Resolutions.reject(email!.id)])
    expect((await agent.continueRun({ runId: paused.runId })).status).toBe('completed')
    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather'])
  })

  it.each([
    { how: 'rejects its promise', evaluate: () => Promise.reject(new Error('rules service down')) },
    {
      how: 'throws synchronously',
      evaluate: () => {
        throw new Error('rules service down')
      },
    },
    { how: 'fails its Effect', evaluate: () => Effect.fail(new Error('rules service down')) },
    { how: 'dies in its Effect', evaluate: () => Effect.die(new Error('rules service down')) },
    { how: 'answers something that is not a list', evaluate: () => 'allow' as unknown as [] },
  ])(
    'fails closed when a policy $how: the tool never runs and the run fails naming the policy',
    async ({ evaluate }) => {
      const ledger = makeLedger()
      const { agent, store } = scriptedAgent([oneCall('list_files', {}), 'Done.'], {
        tools: [listFilesTool(ledger)],
        policies: [Policy.make('flaky-rules', evaluate)],
      })
      const output = await agent.run('list my files')
      expect(output.status).toBe('failed')
      expect(output.error).toMatch(/Policy "flaky-rules" failed on tool "list_files", so the call is blocked/)
      expect(ledger.calls).toEqual([])
      const events = await eventsOf(store, output.runId)
      expect(tags(events)).not.toContain('ToolCallStarted')
      expect(tags(events).at(-1)).toBe('RunFailed')
    },
  )
})

describe('invariant 2: a requirement is resolved at most once', () => {
  it.each(stores)('lets exactly one of 50 concurrent resolutions win, on $store', async ({ make }) => {
    const { agent, store, runId, requirement } = await pausedWeather(make())
    const principals = Array.from({ length: 50 }, (_, index) => new Principal({ id: `p${index}`, roles: [] }))
    const settled = await Promise.allSettled(
      principals.map((principal, index) =>
        agent.resolve(
          runId,
          [
            index % 2 === 0
              ? Resolutions.confirm(requirement.id)
              : Resolutions.reject(requirement.id, `no from ${index}`),
          ],
          { principal },
        ),
      ),
    )

    const winners = settled.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []))
    expect(winners).toHaveLength(1)
    const losses = settled.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    )
    expect(losses).toHaveLength(49)
    for (const loss of losses) expect(loss).toBeInstanceOf(RequirementAlreadyResolved)

    const winner = winners[0]!
    const [stored] = await Effect.runPromise(store.listRequirements(runId))
    expect(stored?.resolution?.resolvedBy.id).toBe(`p${winner}`)
    expect(stored?.resolution?.value).toEqual(
      winner % 2 === 0 ? { approved: true } : { approved: false, note: `no from ${winner}` },
    )
  })
})

describe('invariant 3: resume is idempotent', () => {
  const expectLosersTyped = (settled: ReadonlyArray<PromiseSettledResult<RunOutput>>) => {
    for (const result of settled)
      if (result.status === 'rejected')
        expect(
          [RunClaimed, RunNotContinuable, RequirementAlreadyResolved].some(
            (typed) => result.reason instanceof typed,
          ),
          String(result.reason),
        ).toBe(true)
  }

  it.each(stores.flatMap(({ store, make }) => [2, 20].map((callers) => ({ store, make, callers }))))(
    'runs the tool once when $callers callers continue at once, on $store',
    async ({ make, callers }) => {
      const { agent, store, ledger, runId, requirement } = await pausedWeather(make())
      await agent.resolve(runId, [Resolutions.confirm(requirement.id)])

      const settled = await Promise.allSettled(
        Array.from({ length: callers }, () => agent.continueRun({ runId })),
      )

      expect(ledger.count('get_the_weather')).toBe(1)
      const fulfilled = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      expect(fulfilled).toHaveLength(1)
      expect(fulfilled[0]?.status).toBe('completed')
      expectLosersTyped(settled)
      const events = await eventsOf(store, runId)
      expect(tags(events).filter((tag) => tag === 'RunContinued')).toHaveLength(1)
      expect(tags(events).filter((tag) => tag === 'ToolCallStarted')).toHaveLength(1)
      expect((await agent.getRun(runId)).status).toBe('completed')
    },
  )

  it.each(stores)(
    'runs the tool once when two agents (two engines) on one store continue at once, on $store',
    async ({ make }) => {
      const store = make()
      const { agent: first, ledger, runId, requirement } = await pausedWeather(store)
      const second = new Agent({
        id: 'assistant',
        model: ScriptedModel.make([oneCall('get_the_weather', { city: 'Paris' }), 'It is 70 degrees.']),
        tools: [weatherTool(ledger, { requiresConfirmation: true })],
        store,
      })
      await first.resolve(runId, [Resolutions.confirm(requirement.id)])

      const settled = await Promise.allSettled([
        first.continueRun({ runId }),
        second.continueRun({ runId }),
        first.continueRun({ runId }),
        second.continueRun({ runId }),
      ])

      expect(ledger.count('get_the_weather')).toBe(1)
      expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
      expectLosersTyped(settled)
      expect((await second.getRun(runId)).status).toBe('completed')
      expect(tags(await eventsOf(store, runId)).filter((tag) => tag === 'RunCompleted')).toHaveLength(1)
      await Promise.all([first.dispose(), second.dispose()])
    },
  )

  it('does not run the free call of a paused turn again on resume', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [
        { toolCalls: [{ name: 'list_files' }, { name: 'get_the_weather', args: { city: 'Paris' } }] },
        'Done.',
      ],
      { tools: [listFilesTool(ledger), weatherTool(ledger, { requiresConfirmation: true })] },
    )
    const paused = await agent.run('go')
    paused.activeRequirements[0]!.confirm()
    await agent.continueRun(paused)
    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files', 'get_the_weather'])
  })

  it('gives a call the same idempotency key, runId:toolCallId, however it is resumed', async () => {
    const script = [oneCall('get_the_weather', { city: 'Paris' }), 'It is 70 degrees.']
    const tools = (ledger: Ledger) => [weatherTool(ledger, { requiresConfirmation: true })]

    const hotLedger = makeLedger()
    const hot = scriptedAgent(script, { tools: tools(hotLedger) })
    const hotPaused = await hot.agent.run('go')
    await expect(hot.agent.continueRun(hotPaused)).rejects.toBeInstanceOf(RequirementsUnresolved) // a refused try first
    hotPaused.activeRequirements[0]!.confirm()
    await hot.agent.continueRun(hotPaused)

    const coldLedger = makeLedger()
    const first = scriptedAgent(script, { tools: tools(coldLedger) })
    const coldPaused = await first.agent.run('go')
    await first.agent.dispose()
    const second = scriptedAgent(script, { tools: tools(coldLedger), store: first.store })
    await second.agent.continueRun({
      runId: coldPaused.runId,
      resolutions: [Resolutions.confirm(coldPaused.requirements[0]!.id)],
    })

    expect(hotLedger.calls.map((call) => call.idempotencyKey)).toEqual([`${hotPaused.runId}:call_1_1`])
    expect(coldLedger.calls.map((call) => call.idempotencyKey)).toEqual([`${coldPaused.runId}:call_1_1`])
  })
})

describe('invariant 4: a paused run survives a restart; hot resume equals cold resume', () => {
  interface Case {
    readonly kind: string
    readonly tools: (ledger: Ledger) => ReadonlyArray<Tool.Tool | Toolkit.Toolkit>
    readonly gatedCall: { readonly name: string; readonly args: Record<string, unknown> }
    readonly decide: (requirement: Requirement) => void
  }

  const cases: ReadonlyArray<Case> = [
    {
      kind: 'confirmation, confirmed',
      tools: (ledger) => [listFilesTool(ledger), weatherTool(ledger, { requiresConfirmation: true })],
      gatedCall: { name: 'get_the_weather', args: { city: 'Paris' } },
      decide: (requirement) => requirement.confirm(),
    },
    {
      kind: 'confirmation, rejected with a note',
      tools: (ledger) => [listFilesTool(ledger), weatherTool(ledger, { requiresConfirmation: true })],
      gatedCall: { name: 'get_the_weather', args: { city: 'Paris' } },
      decide: (requirement) => requirement.reject('Not Paris, ask me first.'),
    },
    {
      kind: 'user input',
      tools: (ledger) => [listFilesTool(ledger), sendEmailTool(ledger, { userInputFields: ['to'] })],
      gatedCall: { name: 'send_email', args: { subject: 'Hi', body: 'Hello' } },
      decide: (requirement) => requirement.provideUserInput({ to: 'ada@example.com' }),
    },
    {
      kind: 'external execution',
      tools: (ledger) => [listFilesTool(ledger), weatherTool(ledger, { externalExecution: true })],
      gatedCall: { name: 'get_the_weather', args: { city: 'Paris' } },
      decide: (requirement) => requirement.setExternalExecutionResult({ degrees: 21, sky: 'clear' }),
    },
    {
      kind: 'dynamic user input',
      tools: (ledger) => [listFilesTool(ledger), dynamicUserInput()],
      gatedCall: {
        name: 'get_user_input',
        args: { fields: [{ name: 'city', type: 'string', description: 'Which city?' }] },
      },
      decide: (requirement) => requirement.provideUserInput({ city: 'Lisbon' }),
    },
  ]

  const scriptOf = (c: Case) => [
    { content: 'Let me look.', toolCalls: [{ name: 'list_files' }, c.gatedCall] },
    'All done.',
  ]

  const timestamps = new Set(['at', 'createdAt', 'resolvedAt', 'updatedAt'])

  /** What a run came to, with its run id, requirement ids and timestamps taken out. */
  const outcome = async (
    done: RunOutput,
    store: RunStore,
    model: ScriptedModel.ScriptedModel,
    ledger: Ledger,
  ) => {
    const events = await eventsOf(store, done.runId)
    const view = {
      status: done.status,
      content: done.content,
      error: done.error,
      messages: done.messages,
      toolExecutions: done.toolExecutions,
      requirements: done.requirements.map(({ kind, toolCall, request, resolution, resolvedBy }) => ({
        kind,
        toolCall,
        request,
        resolution,
        resolvedBy,
      })),
      events,
      lastModelRequest: model.requests.at(-1)?.messages,
      executions: ledger.calls,
    }
    const ids = [done.runId, ...done.requirements.map((requirement) => requirement.id)]
    const json = ids.reduce(
      (text, id, index) => text.replaceAll(id, `<id ${index}>`),
      JSON.stringify(view, (key, value: unknown) => (timestamps.has(key) ? undefined : value)),
    )
    return { tags: tags(events), view: JSON.parse(json) as unknown }
  }

  const hot = async (c: Case) => {
    const ledger = makeLedger()
    const { agent, store, model } = scriptedAgent(scriptOf(c), { tools: c.tools(ledger) })
    const paused = await agent.run('go')
    c.decide(paused.activeRequirements[0]!)
    return outcome(await agent.continueRun(paused), store, model, ledger)
  }

  const cold = async (c: Case) => {
    const ledger = makeLedger()
    const first = scriptedAgent(scriptOf(c), { tools: c.tools(ledger) })
    const paused = await first.agent.run('go')
    await first.agent.dispose()
    // A new process: a new agent, model and engine; only the store is shared.
    const { agent, model } = scriptedAgent(scriptOf(c), { tools: c.tools(ledger), store: first.store })
    const reloaded = await agent.getRun(paused.runId)
    expect(reloaded.status).toBe('paused')
    c.decide(reloaded.activeRequirements[0]!)
    return outcome(await agent.continueRun(reloaded), first.store, model, ledger)
  }

  it.each(cases)('$kind: the same outcome, messages, executions and events', async (c) => {
    const [hotOutcome, coldOutcome] = [await hot(c), await cold(c)]
    expect(coldOutcome.tags).toEqual(hotOutcome.tags)
    expect(coldOutcome.view).toEqual(hotOutcome.view)
    expect(hotOutcome.view).toMatchObject({ status: 'completed', content: 'All done.' })
    expect(hotOutcome.tags).toContain('RequirementResolved')
  })
})

describe('invariant 5: every event is stored before it is published', () => {
  it('publishes exactly the stored events, in order, each already stored when it arrives', async () => {
    const { agent, store } = scriptedAgent(
      [oneCall('get_the_weather', { city: 'Paris' }, 'Let me check the weather.'), 'It is 70 degrees.'],
      { tools: [weatherTool(makeLedger(), { requiresConfirmation: true })] },
    )
    const published: Array<RunEvent> = []
    const storedOnArrival: Array<RunEvent | undefined> = []
    const listen = async (events: AsyncIterable<RunEvent>) => {
      for await (const event of events) {
        published.push(event)
        storedOnArrival.push((await eventsOf(store, event.runId, event.seq - 1))[0])
      }
    }
    await listen(agent.runStream('weather in Paris?'))
    const runId = published[0]!.runId
    const paused = await agent.getRun(runId)
    paused.activeRequirements[0]!.confirm()
    await listen(agent.continueRunStream(paused))

    expect(tags(published)).toContain('RunPaused')
    expect(tags(published).at(-1)).toBe('RunCompleted')
    expect(storedOnArrival).toEqual(published)
    expect(await eventsOf(store, runId)).toEqual(published)
  })

  it('numbers events 1..n without gaps across pauses, and replays exactly the events after any seq', async () => {
    const { agent, store } = scriptedAgent(
      [
        oneCall('get_the_weather', { city: 'Paris' }),
        oneCall('get_the_weather', { city: 'Rome' }),
        'Both done.',
      ],
      { tools: [weatherTool(makeLedger(), { requiresConfirmation: true })] },
    )
    let output = await agent.run('weather in Paris and Rome?')
    while (output.isPaused) {
      output.activeRequirements[0]!.confirm()
      output = await agent.continueRun(output)
    }
    const events = await eventsOf(store, output.runId)
    expect(tags(events).filter((tag) => tag === 'RunPaused')).toHaveLength(2)
    expect(events.map((event) => event.seq)).toEqual(
      Array.from({ length: events.length }, (_, index) => index + 1),
    )
    for (let seen = 0; seen <= events.length; seen++)
      expect(await eventsOf(store, output.runId, seen)).toEqual(events.slice(seen))
    expect((await recordOf(store, output.runId)).lastSeq).toBe(events.length)
  })
})

describe('invariant 6: every decision is attributable', () => {
  it('records who resolved, when and what, on the requirement and in its RequirementResolved event', async () => {
    const { agent, store, runId, requirement } = await pausedWeather()
    const approver = new Principal({ id: 'alice', roles: ['approver', 'ops'] })
    const before = Date.now()
    await agent.resolve(runId, [Resolutions.reject(requirement.id, 'not today')], { principal: approver })
    const after = Date.now()

    const [stored] = await Effect.runPromise(store.listRequirements(runId))
    expect(stored?.status).toBe('resolved')
    expect(stored?.resolution?.value).toEqual({ approved: false, note: 'not today' })
    expect(stored?.resolution?.resolvedBy).toEqual(approver)
    expect(stored?.resolution?.resolvedAt).toBeGreaterThanOrEqual(before)
    expect(stored?.resolution?.resolvedAt).toBeLessThanOrEqual(after)

    const handle = (await agent.getRun(runId)).requirements[0]!
    expect([handle.resolvedBy, handle.resolvedAt]).toEqual([approver, stored?.resolution?.resolvedAt])

    const done = await agent.continueRun({ runId })
    expect(done.status).toBe('completed')
    const resolved = (await eventsOf(store, runId)).filter((event) => event._tag === 'RequirementResolved')
    expect(resolved).toEqual([
      expect.objectContaining({
        requirementId: requirement.id,
        kind: 'confirmation',
        value: { approved: false, note: 'not today' },
        resolvedBy: approver,
      }),
    ])
  })

  it('records the principal given to continueRun, or the run owner when none is given', async () => {
    const first = await pausedWeather()
    first.requirement.confirm()
    await first.agent.continueRun(first.output, {
      principal: new Principal({ id: 'bob', roles: ['support'] }),
    })
    expect((await first.agent.getRun(first.runId)).requirements[0]?.resolvedBy).toMatchObject({
      id: 'bob',
      roles: ['support'],
    })

    const ledger = makeLedger()
    const { agent } = scriptedAgent([oneCall('get_the_weather', { city: 'Paris' }), 'Done.'], {
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
    })
    const paused = await agent.run('go', { userId: 'carol' })
    paused.activeRequirements[0]!.confirm()
    expect((await agent.continueRun(paused)).requirements[0]?.resolvedBy).toMatchObject({ id: 'carol' })
  })

  it('keeps a decision as first recorded: a later attempt neither replaces nor edits it', async () => {
    const { agent, store, runId, requirement } = await pausedWeather()
    await agent.resolve(runId, [Resolutions.confirm(requirement.id)], {
      principal: new Principal({ id: 'alice', roles: [] }),
    })
    const [first] = await Effect.runPromise(store.listRequirements(runId))
    await expect(
      agent.resolve(runId, [Resolutions.reject(requirement.id)], {
        principal: new Principal({ id: 'mallory', roles: [] }),
      }),
    ).rejects.toBeInstanceOf(RequirementAlreadyResolved)
    await agent.continueRun({ runId })
    expect((await Effect.runPromise(store.listRequirements(runId)))[0]).toEqual(first)
  })
})

describe('invariant 8: the stored run record is small and does not grow with history', () => {
  it('stays under 2 KB and the same size from round 5 to round 30, while the transcript grows', async () => {
    const rounds = 30
    const script = [
      ...Array.from({ length: rounds }, (_, index) =>
        oneCall('get_the_weather', { city: `City ${index % 10}` }, 'Checking.'),
      ),
      'Done.',
    ]
    const { agent, store } = scriptedAgent(script, {
      tools: [weatherTool(makeLedger(), { requiresConfirmation: true })],
    })
    const sizes = new Map<number, { record: number; transcript: number }>()
    let output = await agent.run('weather everywhere')
    for (let round = 1; output.isPaused; round++) {
      const record = await recordOf(store, output.runId)
      const transcript = await Effect.runPromise(store.readTranscript(output.runId))
      sizes.set(round, {
        record: JSON.stringify(Schema.encodeSync(RunRecord)(record)).length,
        transcript: JSON.stringify(transcript).length,
      })
      output.activeRequirements[0]!.confirm()
      output = await agent.continueRun(output)
    }
    expect(output.status).toBe('completed')
    expect(sizes.size).toBe(rounds)

    const [at5, at30] = [sizes.get(5)!, sizes.get(30)!]
    expect(at30.record).toBeLessThan(2048)
    // Only counters (epoch, transcriptLength, lastSeq) may gain a digit or two.
    expect(at30.record - at5.record).toBeLessThanOrEqual(6)
    expect(at30.transcript).toBeGreaterThan(5 * at5.transcript)
  })
})

describe('cancelling a run', () => {
  it('ends a paused run for good: cancelled, RunCancelled stored, no continue, no decision, no execution', async () => {
    const { agent, store, ledger, runId, requirement } = await pausedWeather()
    const cancelled = await agent.cancelRun(runId)
    expect(cancelled.status).toBe('cancelled')
    expect(tags(await eventsOf(store, runId)).at(-1)).toBe('RunCancelled')

    requirement.confirm()
    await expect(
      agent.continueRun({ runId, resolutions: [requirement.pendingResolution!] }),
    ).rejects.toMatchObject({
      _tag: 'RunNotContinuable',
      status: 'cancelled',
    })
    await expect(agent.continueRun({ runId })).rejects.toBeInstanceOf(RunNotContinuable)
    await expect(agent.resolve(runId, [Resolutions.confirm(requirement.id)])).rejects.toBeInstanceOf(
      RunNotContinuable,
    )
    // Its open requirement lapsed with the run, by whoever cancelled it: no decision was made.
    const [stored] = await Effect.runPromise(store.listRequirements(runId))
    expect(stored?.resolution).toMatchObject({
      value: null,
      lapsed: 'cancelled',
      resolvedBy: { id: 'anonymous' },
    })
    expect(ledger.calls).toEqual([])
  })

  it('refuses a second cancel with RunNotContinuable', async () => {
    const { agent, store, runId } = await pausedWeather()
    await agent.cancelRun(runId)
    const events = await eventsOf(store, runId)
    await expect(agent.cancelRun(runId)).rejects.toMatchObject({
      _tag: 'RunNotContinuable',
      status: 'cancelled',
    })
    expect(await eventsOf(store, runId)).toEqual(events)
  })

  it('cancels a run paused in another engine (cold), which then cannot continue it either', async () => {
    const { agent, store, runId, ledger } = await pausedWeather()
    const other = new Agent({
      id: 'assistant',
      model: ScriptedModel.make([]),
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
      store,
    })
    expect((await other.cancelRun(runId)).status).toBe('cancelled')
    await expect(agent.continueRun({ runId })).rejects.toBeInstanceOf(RunNotContinuable)
    expect(tags(await eventsOf(store, runId)).filter((tag) => tag === 'RunCancelled')).toHaveLength(1)
    await other.dispose()
  })

  it('aborts the signal of a tool held mid-execution, and the run ends cancelled', async () => {
    const entered = gate()
    let signal: AbortSignal | undefined
    let runId = ''
    const slowExport = Tool.make({
      name: 'export_data',
      description: 'Export everything',
      parameters: Schema.Struct({}),
      execute: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          signal = ctx.signal
          runId = ctx.runId
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))
          entered.open()
        }),
    })
    const { agent, store } = scriptedAgent([oneCall('export_data', {}), 'Exported.'], { tools: [slowExport] })
    const running = agent.run('export')
    await entered.opened
    expect(signal?.aborted).toBe(false)

    const cancelled = await agent.cancelRun(runId)

    expect(signal?.aborted).toBe(true)
    expect(cancelled.status).toBe('cancelled')
    expect((await running).status).toBe('cancelled')
    const events = tags(await eventsOf(store, runId))
    expect(events.at(-1)).toBe('RunCancelled')
    expect(events).not.toContain('ToolCallCompleted')
    await expect(agent.cancelRun(runId)).rejects.toBeInstanceOf(RunNotContinuable)
  })

  it('refuses to cancel a run another engine is running, rather than report success and let it run', async () => {
    const { tool: slowTransfer, entered, release } = heldTransfer()
    const script = [oneCall('transfer', { amount: 10 }), 'Moved.']
    const first = scriptedAgent(script, { tools: [slowTransfer] })
    const second = scriptedAgent(script, { tools: [slowTransfer], store: first.store })
    const paused = await first.agent.run('move 10')
    paused.activeRequirements[0]!.confirm()
    const continuing = second.agent.continueRun(paused) // the second engine runs it
    await entered.opened

    const cancel = await first.agent.cancelRun(paused.runId).then(
      (output) => ({ status: output.status }),
      (error: unknown) => ({ error }),
    )

    release.open()
    const done = await continuing
    if ('error' in cancel) {
      expect(cancel.error).toBeInstanceOf(RunBusy)
      expect(done.status).toBe('completed')
    } else {
      // A cancel that reports success must have cancelled the run.
      expect(cancel.status).toBe('cancelled')
      expect(done.status).toBe('cancelled')
    }
    await Promise.all([first.agent.dispose(), second.agent.dispose()])
  })

  it.each([
    {
      moment: 'a continued run is claiming itself (its first batch being written)',
      tag: 'RequirementResolved' as const,
      // Nothing of the continue is stored yet.
      status: 'paused',
    },
  ])(
    'cancels a run caught while $moment: it ends cancelled and its caller hears so',
    async ({ tag, status }) => {
      const held = holdingEvent(tag)
      const ledger = makeLedger()
      const { agent } = scriptedAgent([oneCall('get_the_weather', { city: 'Paris' }), 'Done.'], {
        tools: [weatherTool(ledger, { requiresConfirmation: true })],
        store: held.store,
      })
      const paused = await agent.run('go')
      paused.activeRequirements[0]!.confirm()
      const working = agent.continueRun(paused)
      const runId = await held.reached
      expect((await agent.getRun(runId)).status).toBe(status)

      // The cancel waits for the write in flight, which it cannot stop half-way.
      const cancelling = agent.cancelRun(runId)
      held.release()
      const cancelled = await cancelling

      expect(cancelled.status).toBe('cancelled')
      expect(tags(await eventsOf(held.store, runId)).at(-1)).toBe('RunCancelled')
      expect((await working).status).toBe('cancelled')
      expect(ledger.calls).toEqual([])
    },
  )

  it('a new run is nowhere while its creation (one write with its first batch) is in flight: a cancel finds no run', async () => {
    const held = holdingEvent('RunStarted')
    const ledger = makeLedger()
    const { agent } = scriptedAgent([oneCall('get_the_weather', { city: 'Paris' }), 'Done.'], {
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
      store: held.store,
    })
    const working = agent.run('go')
    const runId = await held.reached

    await expect(agent.getRun(runId)).rejects.toMatchObject({ _tag: 'RunNotFound', runId })
    await expect(agent.cancelRun(runId)).rejects.toMatchObject({ _tag: 'RunNotFound', runId })
    expect(await eventsOf(held.store, runId)).toEqual([])
    held.release()

    expect((await working).status).toBe('paused')
    expect(tags(await eventsOf(held.store, runId))[0]).toBe('RunStarted')
    expect(ledger.calls).toEqual([])
  })
})
