/**
 * Agno's `test_user_confirmation_flows.py` (study §7), translated, plus the mixed batch of §1.6
 * and several gated calls in one model turn.
 */
import { describe, expect, it } from 'vitest'
import {
  Resolutions,
  type ScriptedModel,
  type Agent,
  type Message,
  type Requirement,
  type RunOutput,
  type RunStore,
} from '../src/index.js'
import {
  collect,
  lastToldTo,
  makeLedger,
  scriptedAgent,
  single,
  weatherTool,
  type Ledger,
} from './fixtures.js'
import { mixedAgent, twoGatedAgent } from './scenarios.js'

const tags = (messages: ReadonlyArray<Message>) => messages.map((message) => message._tag)

const weatherScript: ReadonlyArray<ScriptedModel.Turn> = [
  { toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo' } }] },
  'It is 70 degrees and cloudy in Tokyo right now.',
]

const weatherAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(weatherScript, {
    tools: [weatherTool(ledger, { requiresConfirmation: true })],
    ...(store === undefined ? {} : { store }),
  })

/** A second Agent on the same store, as a fresh process would build it: nothing shared but the store. */
const freshWeatherAgent = (ledger: Ledger, store: RunStore) => weatherAgent(ledger, store)

describe('a confirmation tool pauses the run before it runs', () => {
  it('pauses with one active requirement that shows the call', async () => {
    const ledger = makeLedger()
    const { agent } = weatherAgent(ledger)

    const paused = await agent.run('What is the weather in Tokyo?')

    expect(paused.status).toBe('paused')
    expect(paused.isPaused).toBe(true)
    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('confirmation')
    expect(requirement.needsConfirmation).toBe(true)
    expect(requirement.needsUserInput).toBe(false)
    expect(requirement.needsExternalExecution).toBe(false)
    expect(requirement.toolCall).toEqual({ id: 'call_1_1', name: 'get_the_weather', args: { city: 'Tokyo' } })
    expect(ledger.count('get_the_weather')).toBe(0)
    expect(single(paused.toolExecutions)).toMatchObject({ toolName: 'get_the_weather', status: 'pending' })
  })

  it('stores the user message and the assistant turn with its call at the pause', async () => {
    const { agent } = weatherAgent(makeLedger())

    const paused = await agent.run('What is the weather in Tokyo?')

    const stored = await agent.getRun(paused.runId)
    expect(tags(stored.messages)).toEqual(['User', 'Assistant'])
    expect(stored.messages[1]).toMatchObject({ _tag: 'Assistant', toolCalls: [{ id: 'call_1_1' }] })
  })
})

interface Continued {
  readonly output: RunOutput
  /** The model that answered after the continue: the original one (hot) or the fresh agent's (cold). */
  readonly model: ScriptedModel.ScriptedModel
}

type ContinueForm = (setup: {
  readonly agent: Agent
  readonly model: ScriptedModel.ScriptedModel
  readonly store: RunStore
  readonly ledger: Ledger
  readonly paused: RunOutput
}) => Promise<Continued>

const continueForms: ReadonlyArray<[string, ContinueForm]> = [
  [
    'continueRun(output) on the same agent (hot)',
    async ({ agent, model, paused }) => {
      single(paused.activeRequirements).confirm()
      return { output: await agent.continueRun(paused), model }
    },
  ],
  [
    'continueRun({ runId, resolutions }) on the same agent',
    async ({ agent, model, paused }) => {
      const id = single(paused.activeRequirements).id
      return {
        output: await agent.continueRun({ runId: paused.runId, resolutions: [Resolutions.confirm(id)] }),
        model,
      }
    },
  ],
  [
    'continueRun({ runId, resolutions }) on a fresh agent sharing the store (cold)',
    async ({ store, ledger, paused }) => {
      const fresh = freshWeatherAgent(ledger, store)
      const id = single(paused.activeRequirements).id
      const output = await fresh.agent.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.confirm(id)],
      })
      return { output, model: fresh.model }
    },
  ],
  [
    'continueRun(output) with the output read by a fresh agent (cold)',
    async ({ store, ledger, paused }) => {
      const fresh = freshWeatherAgent(ledger, store)
      const reloaded = await fresh.agent.getRun(paused.runId)
      single(reloaded.activeRequirements).confirm()
      return { output: await fresh.agent.continueRun(reloaded), model: fresh.model }
    },
  ],
  [
    'continueRunStream(output) on the same agent',
    async ({ agent, model, paused }) => {
      single(paused.activeRequirements).confirm()
      const events = await collect(agent.continueRunStream(paused))
      expect(events.at(-1)?._tag).toBe('RunCompleted')
      return { output: await agent.getRun(paused.runId), model }
    },
  ],
  [
    'continueRunStream({ runId, resolutions }) on a fresh agent (cold)',
    async ({ store, ledger, paused }) => {
      const fresh = freshWeatherAgent(ledger, store)
      const id = single(paused.activeRequirements).id
      const events = await collect(
        fresh.agent.continueRunStream({ runId: paused.runId, resolutions: [Resolutions.confirm(id)] }),
      )
      expect(events.at(-1)?._tag).toBe('RunCompleted')
      return { output: await fresh.agent.getRun(paused.runId), model: fresh.model }
    },
  ],
]

describe('confirming runs the tool once, whatever the continue form', () => {
  it.each(continueForms)('%s', async (_name, continueWith) => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')

    const { output, model: answering } = await continueWith({ agent, model, store, ledger, paused })

    expect(ledger.count('get_the_weather')).toBe(1)
    expect(lastToldTo(answering)).toMatchObject({
      _tag: 'Tool',
      toolCallId: 'call_1_1',
      outcome: 'completed',
      content: 'It is currently 70 degrees and cloudy in Tokyo',
    })
    expect(output.status).toBe('completed')
    expect(output.content).toBe('It is 70 degrees and cloudy in Tokyo right now.')
    expect(output.activeRequirements).toEqual([])
    expect(single(output.requirements).isResolved).toBe(true)
    expect(single(output.toolExecutions)).toMatchObject({
      toolCallId: 'call_1_1',
      status: 'completed',
      result: 'It is currently 70 degrees and cloudy in Tokyo',
    })
  })

  it('stores user, assistant, tool result and final assistant: one run, appended in place', async () => {
    const { agent, store } = weatherAgent(makeLedger())
    const paused = await agent.run('What is the weather in Tokyo?')
    single(paused.activeRequirements).confirm()
    await agent.continueRun(paused)

    const stored = await freshWeatherAgent(makeLedger(), store).agent.getRun(paused.runId)

    expect(tags(stored.messages)).toEqual(['User', 'Assistant', 'Tool', 'Assistant'])
    expect(stored.messages.slice(0, 2)).toEqual(paused.messages)
    expect(stored.runId).toBe(paused.runId)
  })
})

describe('rejecting a confirmation skips the tool and tells the model', () => {
  it('sends the note as the tool result, marked skipped', async () => {
    const ledger = makeLedger()
    const { agent, model } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')

    single(paused.activeRequirements).reject('Not allowed today')
    const output = await agent.continueRun(paused)

    expect(ledger.count('get_the_weather')).toBe(0)
    expect(lastToldTo(model)).toMatchObject({
      _tag: 'Tool',
      toolCallId: 'call_1_1',
      outcome: 'skipped',
      content: 'Not allowed today',
    })
    expect(single(output.toolExecutions)).toMatchObject({ status: 'skipped', content: 'Not allowed today' })
    expect(single(output.toolExecutions).result).toBeUndefined()
    expect(output.status).toBe('completed')
    expect(single(output.requirements).resolution).toEqual({ approved: false, note: 'Not allowed today' })
  })

  it('sends a default sentence naming the tool when there is no note', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = weatherAgent(ledger)
    const paused = await agent.run('What is the weather in Tokyo?')

    const fresh = freshWeatherAgent(ledger, store)
    await fresh.agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.reject(single(paused.activeRequirements).id)],
    })

    expect(ledger.count('get_the_weather')).toBe(0)
    expect(model.requests).toHaveLength(1)
    const told = lastToldTo(fresh.model)
    expect(told).toMatchObject({ _tag: 'Tool', outcome: 'skipped' })
    expect(told?._tag === 'Tool' ? told.content : '').toContain('get_the_weather')
  })
})

describe('a mixed batch: a gated call beside a free one (§1.6)', () => {
  // Agno issue #9202 calls this a bug; here it is the specified behaviour: only gated calls wait.
  it('runs the free call before the pause and keeps its result; the gated call waits', async () => {
    const ledger = makeLedger()
    const { agent } = mixedAgent(ledger)

    const paused = await agent.run('Delete a.txt and list the files')

    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files'])
    expect(single(paused.activeRequirements).toolCall.name).toBe('delete_file')
    const stored = await agent.getRun(paused.runId)
    expect(tags(stored.messages)).toEqual(['User', 'Assistant', 'Tool'])
    expect(stored.messages[2]).toMatchObject({
      _tag: 'Tool',
      toolName: 'list_files',
      outcome: 'completed',
      content: '["a.txt","b.txt"]',
    })
    expect(stored.toolExecutions.map((execution) => [execution.toolName, execution.status])).toEqual([
      ['delete_file', 'pending'],
      ['list_files', 'completed'],
    ])
  })

  it('after the confirmation runs the gated call once and does not run the free one again', async () => {
    const ledger = makeLedger()
    const { agent, store } = mixedAgent(ledger)
    const paused = await agent.run('Delete a.txt and list the files')

    const fresh = mixedAgent(ledger, store)
    const output = await fresh.agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(single(paused.activeRequirements).id)],
    })

    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files', 'delete_file'])
    expect(output.status).toBe('completed')
    const toolResults = output.messages.filter((message) => message._tag === 'Tool')
    expect(toolResults.map((message) => [message.toolName, message.content])).toEqual([
      ['list_files', '["a.txt","b.txt"]'],
      ['delete_file', 'deleted a.txt'],
    ])
    // The model saw both results, each answering its own call.
    const told = fresh.model.requests.at(-1)?.messages ?? []
    expect(told.filter((message) => message._tag === 'Tool').map((message) => message.toolCallId)).toEqual([
      'call_1_2',
      'call_1_1',
    ])
  })
})

describe('several gated calls in one batch', () => {
  const byTool = (requirements: ReadonlyArray<Requirement>, name: string) =>
    single(requirements.filter((requirement) => requirement.toolCall.name === name))

  it('pause with one requirement per call, and nothing runs', async () => {
    const ledger = makeLedger()
    const { agent } = twoGatedAgent(ledger)

    const paused = await agent.run('Check the weather and mail Ana')

    expect(paused.activeRequirements.map((requirement) => requirement.toolCall.id)).toEqual([
      'call_1_1',
      'call_1_2',
    ])
    expect(new Set(paused.activeRequirements.map((requirement) => requirement.id)).size).toBe(2)
    expect(ledger.calls).toEqual([])
  })

  it('are resolved independently and in any order: the second through resolve, the first through continueRun', async () => {
    const ledger = makeLedger()
    const { agent, store } = twoGatedAgent(ledger)
    const paused = await agent.run('Check the weather and mail Ana')
    const email = byTool(paused.activeRequirements, 'send_email')

    await agent.resolve(paused.runId, [Resolutions.confirm(email.id)])

    const between = await twoGatedAgent(ledger, store).agent.getRun(paused.runId)
    expect(between.status).toBe('paused')
    expect(single(between.activeRequirements).toolCall.name).toBe('get_the_weather')
    expect(ledger.calls).toEqual([])

    byTool(paused.activeRequirements, 'get_the_weather').confirm()
    const output = await agent.continueRun(paused)

    expect(output.status).toBe('completed')
    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather', 'send_email'])
  })

  it('can go different ways: one confirmed, one rejected', async () => {
    const ledger = makeLedger()
    const { agent, model } = twoGatedAgent(ledger)
    const paused = await agent.run('Check the weather and mail Ana')

    byTool(paused.activeRequirements, 'send_email').reject('Do not mail anyone')
    byTool(paused.activeRequirements, 'get_the_weather').confirm()
    const output = await agent.continueRun(paused)

    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather'])
    expect(output.toolExecutions.map((execution) => [execution.toolName, execution.status])).toEqual([
      ['get_the_weather', 'completed'],
      ['send_email', 'skipped'],
    ])
    const told = model.requests.at(-1)?.messages.filter((message) => message._tag === 'Tool') ?? []
    expect(told.map((message) => message.content)).toEqual([
      'It is currently 70 degrees and cloudy in Tokyo',
      'Do not mail anyone',
    ])
  })
})
