/**
 * What Agno gets wrong (study §3.3, §8 and "Deliberate divergences"), shown fixed here. One
 * describe per Agno bug; each test would pass on Agno's behaviour only if ours regressed.
 */
import { describe, expect, it } from 'vitest'
import {
  InvalidResolution,
  RequirementNotFound,
  RequirementsUnresolved,
  Resolutions,
  RunNotContinuable,
  type RunEvent,
  type RunOutput,
  type RunStore,
  type ScriptedModel,
} from '../src/index.js'
import { collect, makeLedger, scriptedAgent, single, weatherTool, type Ledger } from './fixtures.js'
import { mixedAgent, twoGatedAgent } from './scenarios.js'

/** An event as `Tag` or `Tag:tool`, RunContent left out: the shape of a stream, for order assertions. */
const shape = (events: ReadonlyArray<RunEvent>) =>
  events.flatMap((event) => {
    switch (event._tag) {
      case 'RunContent':
        return []
      case 'ToolCallStarted':
        return [`${event._tag}:${event.toolCall.name}`]
      case 'ToolCallCompleted':
      case 'ToolCallFailed':
        return [`${event._tag}:${event.toolName}`]
      default:
        return [event._tag]
    }
  })

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )

const weatherScript: ReadonlyArray<ScriptedModel.Turn> = [
  { toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo' } }] },
  'It is 70 degrees and cloudy in Tokyo.',
]

const weatherAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(weatherScript, {
    tools: [weatherTool(ledger, { requiresConfirmation: true })],
    ...(store === undefined ? {} : { store }),
  })

/** What a paused run looks like in the store, read by an agent that shares nothing else. */
const storedState = async (store: RunStore, runId: string) => {
  const output = await weatherAgent(makeLedger(), store).agent.getRun(runId)
  return {
    status: output.status,
    messages: output.messages,
    requirements: output.requirements.map((requirement) => ({
      id: requirement.id,
      resolution: requirement.resolution,
    })),
  }
}

describe('#9401: continuing with a subset of resolutions never drops the others', () => {
  it('records the subset, keeps the others pending and the run paused, and continues once all are decided', async () => {
    const ledger = makeLedger()
    const { agent, store } = twoGatedAgent(ledger)
    const paused = await agent.run('Check the weather and mail Ana')
    const [weather, email] = paused.activeRequirements.map((requirement) => requirement.id)

    const error = await failure(
      agent.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(weather!)] }),
    )

    expect(error).toBeInstanceOf(RequirementsUnresolved)
    expect(error).toMatchObject({ requirementIds: [email] })
    const between = await twoGatedAgent(ledger, store).agent.getRun(paused.runId)
    expect(between.status).toBe('paused')
    expect(between.requirements.map((requirement) => [requirement.id, requirement.isResolved])).toEqual([
      [weather, true],
      [email, false],
    ])
    expect(single(between.activeRequirements).id).toBe(email)
    expect(ledger.calls).toEqual([])

    const output = await agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(email!)],
    })

    expect(output.status).toBe('completed')
    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather', 'send_email'])
  })
})

describe('an unresolved confirmation is not a rejection', () => {
  it('continueRun(output) with the confirmation untouched is RequirementsUnresolved; nothing runs, nothing is told', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const before = await storedState(store, paused.runId)

    const error = await failure(agent.continueRun(paused))

    expect(error).toBeInstanceOf(RequirementsUnresolved)
    expect(error).toMatchObject({ runId: paused.runId, requirementIds: [single(paused.requirements).id] })
    expect(ledger.calls).toEqual([])
    expect(model.requests).toHaveLength(1)
    expect(await storedState(store, paused.runId)).toEqual(before)
    expect(before.messages.some((message) => message._tag === 'Tool')).toBe(false)
  })
})

describe('a body-less continue of a plain confirmation does not complete the run', () => {
  it('continueRun({ runId }) is RequirementsUnresolved and the run stays paused, still confirmable', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const before = await storedState(store, paused.runId)

    await expect(agent.continueRun({ runId: paused.runId })).rejects.toBeInstanceOf(RequirementsUnresolved)
    await expect(agent.continueRun({ runId: paused.runId, resolutions: [] })).rejects.toBeInstanceOf(
      RequirementsUnresolved,
    )
    await expect(collect(agent.continueRunStream({ runId: paused.runId }))).rejects.toBeInstanceOf(
      RequirementsUnresolved,
    )

    expect(await storedState(store, paused.runId)).toEqual(before)
    expect(model.requests).toHaveLength(1)
    const output = await agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(single(paused.requirements).id)],
    })
    expect(output.status).toBe('completed')
    expect(ledger.count('get_the_weather')).toBe(1)
  })
})

describe('a client cannot bypass a decision by crafting state', () => {
  it('editing the output (status, requirements) submits nothing: the store decides', async () => {
    const ledger = makeLedger()
    const { agent, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const before = await storedState(store, paused.runId)

    Object.assign(paused, { status: 'completed', requirements: [] })
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(RequirementsUnresolved)

    const reloaded = await agent.getRun(paused.runId)
    Object.defineProperty(single(reloaded.requirements), 'isResolved', { value: true })
    await expect(agent.continueRun(reloaded)).rejects.toBeInstanceOf(RequirementsUnresolved)

    expect(await storedState(store, paused.runId)).toEqual(before)
    expect(ledger.calls).toEqual([])
  })

  it('editing the arguments shown with a requirement does not change what runs once confirmed', async () => {
    const ledger = makeLedger()
    const { agent } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const requirement = single(paused.activeRequirements)

    ;(requirement.toolCall.args as Record<string, unknown>).city = 'Pyongyang'
    requirement.confirm()
    const output = await agent.continueRun(paused)

    expect(ledger.calls.map((call) => call.args)).toEqual([{ city: 'Tokyo' }])
    expect(single(output.toolExecutions).args).toEqual({ city: 'Tokyo' })
  })

  it('a fabricated requirement id is RequirementNotFound, and the valid answer beside it is not recorded', async () => {
    const ledger = makeLedger()
    const { agent, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const before = await storedState(store, paused.runId)

    const error = await failure(
      agent.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(single(paused.requirements).id), Resolutions.confirm('req-forged')],
      }),
    )

    expect(error).toBeInstanceOf(RequirementNotFound)
    expect(error).toMatchObject({ runId: paused.runId, requirementId: 'req-forged' })
    expect(await storedState(store, paused.runId)).toEqual(before)
    expect(ledger.calls).toEqual([])
  })

  it("another run's requirement id resolves nothing in either run", async () => {
    const ledger = makeLedger()
    const { agent, store } = weatherAgent(ledger)
    const first = await agent.run('What is the weather in Tokyo?')
    const second = await agent.run('And again, the weather in Tokyo?')
    const before = [await storedState(store, first.runId), await storedState(store, second.runId)]

    await expect(
      agent.continueRun({
        runId: first.runId,
        resolutions: [Resolutions.confirm(single(second.requirements).id)],
      }),
    ).rejects.toBeInstanceOf(RequirementNotFound)
    await expect(
      agent.resolve(first.runId, [Resolutions.confirm(single(second.requirements).id)]),
    ).rejects.toBeInstanceOf(RequirementNotFound)

    expect([await storedState(store, first.runId), await storedState(store, second.runId)]).toEqual(before)
    expect(ledger.calls).toEqual([])
  })

  it('a resolution of the wrong shape, or one that claims its own approver, is InvalidResolution', async () => {
    const ledger = makeLedger()
    const { agent, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const requirementId = single(paused.requirements).id
    const before = await storedState(store, paused.runId)

    for (const value of [
      { result: 'It is sunny' },
      { approved: 'yes' },
      { approved: true, resolvedBy: { id: 'admin', roles: ['admin'] } },
    ])
      await expect(
        agent.continueRun({ runId: paused.runId, resolutions: [{ requirementId, value }] }),
      ).rejects.toBeInstanceOf(InvalidResolution)

    expect(await storedState(store, paused.runId)).toEqual(before)
    expect(ledger.calls).toEqual([])
  })
})

describe('streams: the pause shows no gated call; the continue starts with the decisions (§3.4)', () => {
  // Also #9202: the free call of the batch runs before the decision, as specified here.
  it('the pause stream runs only the free call, never starts the gated one, and ends with RunPaused', async () => {
    const ledger = makeLedger()
    const { agent } = mixedAgent(ledger)

    const events = await collect(agent.runStream('Delete a.txt and list the files'))

    expect(shape(events)).toEqual([
      'RunStarted',
      'ModelRequestStarted',
      'ModelRequestCompleted',
      'ToolCallStarted:list_files',
      'ToolCallCompleted:list_files',
      'RunPaused',
    ])
    const paused = events.at(-1)
    expect(
      paused?._tag === 'RunPaused' && paused.requirements.map((requirement) => requirement.toolCall.name),
    ).toEqual(['delete_file'])
    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files'])
  })

  it.each([
    ['on the same agent', (_store: RunStore, agent: ReturnType<typeof mixedAgent>['agent']) => agent],
    ['on a fresh agent', (store: RunStore) => mixedAgent(makeLedger(), store).agent],
  ])(
    'the continue stream %s: RequirementResolved, RunContinued, then the gated call runs',
    async (_name, pick) => {
      const ledger = makeLedger()
      const { agent, store } = mixedAgent(ledger)
      const pauseEvents = await collect(agent.runStream('Delete a.txt and list the files'))
      const requirementId = single((await agent.getRun(pauseEvents[0]!.runId)).activeRequirements).id

      const events = await collect(
        pick(store, agent).continueRunStream({
          runId: pauseEvents[0]!.runId,
          resolutions: [Resolutions.confirm(requirementId)],
        }),
      )

      expect(shape(events)).toEqual([
        'RequirementResolved',
        'RunContinued',
        'ToolCallStarted:delete_file',
        'ToolCallCompleted:delete_file',
        'ModelRequestStarted',
        'ModelRequestCompleted',
        'RunCompleted',
      ])
      expect(events[0]).toMatchObject({ requirementId, kind: 'confirmation', value: { approved: true } })
      // One sequence across the pause and the continue: gapless, in order.
      expect([...pauseEvents, ...events].map((event) => event.seq)).toEqual(
        Array.from({ length: pauseEvents.length + events.length }, (_, index) => index + 1),
      )
    },
  )

  it('emits one RequirementResolved per decision, before RunContinued', async () => {
    const { agent } = twoGatedAgent(makeLedger())
    const paused = await agent.run('Check the weather and mail Ana')
    for (const requirement of paused.activeRequirements) requirement.confirm()

    const events = await collect(agent.continueRunStream(paused))

    expect(shape(events).slice(0, 3)).toEqual(['RequirementResolved', 'RequirementResolved', 'RunContinued'])
    expect(
      events.flatMap((event) => (event._tag === 'RequirementResolved' ? [event.requirementId] : [])).sort(),
    ).toEqual(paused.requirements.map((requirement) => requirement.id).sort())
  })
})

describe('only a paused run can be continued (no auto-fork, no resurrection)', () => {
  const confirmed = (output: RunOutput) => [Resolutions.confirm(single(output.requirements).id)]

  it('a completed run is RunNotContinuable, whatever the form, and stays as it was', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')
    const completed = await agent.continueRun({ runId: paused.runId, resolutions: confirmed(paused) })
    const after = await storedState(store, paused.runId)

    for (const attempt of [
      () => agent.continueRun({ runId: paused.runId }),
      () => agent.continueRun(completed),
      () => agent.continueRun({ runId: paused.runId, resolutions: confirmed(paused) }),
      () => agent.resolve(paused.runId, confirmed(paused)),
    ])
      await expect(attempt()).rejects.toMatchObject({ _tag: 'RunNotContinuable', status: 'completed' })
    // The output held from the pause is stale: deciding on it cannot start the run again.
    single(paused.activeRequirements).confirm()
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(RunNotContinuable)

    expect(await storedState(store, paused.runId)).toEqual(after)
    expect(ledger.count('get_the_weather')).toBe(1)
    expect(model.requests).toHaveLength(2)
  })

  it('a cancelled run is RunNotContinuable, and its gated call never runs', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')

    const cancelled = await agent.cancelRun(paused.runId)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.activeRequirements).toEqual([])

    const fresh = weatherAgent(ledger, store)
    for (const attempt of [
      () => agent.continueRun({ runId: paused.runId, resolutions: confirmed(paused) }),
      () => fresh.agent.continueRun({ runId: paused.runId, resolutions: confirmed(paused) }),
      () => fresh.agent.continueRun({ runId: paused.runId }),
    ])
      await expect(attempt()).rejects.toMatchObject({ _tag: 'RunNotContinuable', status: 'cancelled' })
    single(paused.activeRequirements).confirm()
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(RunNotContinuable)

    expect((await fresh.agent.getRun(paused.runId)).status).toBe('cancelled')
    expect(ledger.calls).toEqual([])
    expect(model.requests).toHaveLength(1)
    expect(fresh.model.requests).toHaveLength(0)
  })
})
