/**
 * Agno's `test_user_input_flows.py` (study §7), translated, and UserControlFlowTools'
 * `get_user_input` (§1.5) as `dynamicUserInput()`.
 */
import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  InvalidResolution,
  RequirementsUnresolved,
  Resolutions,
  ResolutionMethodMismatch,
  Tool,
  Toolkit,
  dynamicUserInput,
  type RunStore,
  type ScriptedModel,
} from '../src/index.js'
import {
  lastToldTo,
  listFilesTool,
  makeLedger,
  scriptedAgent,
  single,
  weatherTool,
  type Ledger,
} from './fixtures.js'

/** Agno's weather tool with a temperature argument, recording every argument it runs with. */
const thermometerTool = (ledger: Ledger, flags: Tool.HitlFlags) =>
  Tool.make({
    name: 'get_the_weather',
    description: 'Get the current weather in a city',
    parameters: Schema.Struct({ city: Schema.String, temperature: Schema.Number }),
    ...flags,
    execute: (args, ctx) => {
      ledger.record('get_the_weather', args, ctx.idempotencyKey)
      return `It is currently ${args.temperature} degrees in ${args.city}`
    },
  })

const script: ReadonlyArray<ScriptedModel.Turn> = [
  { toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo' } }] },
  'It is 21 degrees in Tokyo.',
]

const inputAgent = (ledger: Ledger, flags: Tool.HitlFlags, store?: RunStore) =>
  scriptedAgent(script, {
    tools: [thermometerTool(ledger, flags)],
    ...(store === undefined ? {} : { store }),
  })

describe('userInputFields hide arguments from the model and ask the person', () => {
  it('leaves the hidden field out of the schema the model sees', async () => {
    const { agent, model } = inputAgent(makeLedger(), { userInputFields: ['temperature'] })

    await agent.run('What is the weather in Tokyo?')

    const shown = single(model.requests[0]?.tools ?? [])
    expect(Object.keys(shown.parameters.properties)).toEqual(['city'])
    expect(shown.parameters.required).toEqual(['city'])
  })

  it('pauses with a form of the asked field only; the model-given city is shown with the call', async () => {
    const ledger = makeLedger()
    const { agent } = inputAgent(ledger, { userInputFields: ['temperature'] })

    const paused = await agent.run('What is the weather in Tokyo?')

    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('user_input')
    expect(requirement.needsUserInput).toBe(true)
    expect(requirement.needsConfirmation).toBe(false)
    expect(requirement.userInputSchema).toEqual([{ name: 'temperature', type: 'number', required: true }])
    expect(requirement.toolCall.args).toEqual({ city: 'Tokyo' })
    expect(ledger.calls).toEqual([])
  })

  it('runs the tool with the model arguments plus the answers', async () => {
    const ledger = makeLedger()
    const { agent, model } = inputAgent(ledger, { userInputFields: ['temperature'] })
    const paused = await agent.run('What is the weather in Tokyo?')

    single(paused.activeRequirements).provideUserInput({ temperature: 21 })
    const output = await agent.continueRun(paused)

    expect(ledger.calls.map((call) => call.args)).toEqual([{ city: 'Tokyo', temperature: 21 }])
    expect(single(output.toolExecutions)).toMatchObject({
      status: 'completed',
      args: { city: 'Tokyo', temperature: 21 },
    })
    expect(lastToldTo(model)).toMatchObject({ _tag: 'Tool', content: 'It is currently 21 degrees in Tokyo' })
    expect(output.status).toBe('completed')
    expect(output.content).toBe('It is 21 degrees in Tokyo.')
  })

  it('works cold, from the run id, with Resolutions.userInput', async () => {
    const ledger = makeLedger()
    const { agent, store } = inputAgent(ledger, { userInputFields: ['temperature'] })
    const paused = await agent.run('What is the weather in Tokyo?')

    const fresh = inputAgent(ledger, { userInputFields: ['temperature'] }, store)
    const output = await fresh.agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.userInput(single(paused.activeRequirements).id, { temperature: 21 })],
    })

    expect(ledger.calls.map((call) => call.args)).toEqual([{ city: 'Tokyo', temperature: 21 }])
    expect(output.status).toBe('completed')
  })

  it('refuses answers of the wrong type or unknown names, and a form left unfilled keeps the run paused', async () => {
    const ledger = makeLedger()
    const { agent } = inputAgent(ledger, { userInputFields: ['temperature'] })
    const paused = await agent.run('What is the weather in Tokyo?')
    const requirement = single(paused.activeRequirements)

    expect(() => requirement.provideUserInput({ temperature: 'warm' })).toThrow(InvalidResolution)
    expect(() => requirement.provideUserInput({ temperature: 21, humidity: 80 })).toThrow(InvalidResolution)
    expect(() => requirement.provideUserInput({})).toThrow(InvalidResolution)
    expect(() => requirement.confirm()).toThrow(ResolutionMethodMismatch)
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(RequirementsUnresolved)

    expect((await agent.getRun(paused.runId)).status).toBe('paused')
    expect(ledger.calls).toEqual([])
  })

  // The model may not give a hidden argument; if it slips one in anyway, the person must still be asked.
  it('does not prefill a hidden argument the model slipped in, so the person must give it', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo', temperature: 99 } }] }, 'Done.'],
      { tools: [thermometerTool(ledger, { userInputFields: ['temperature'] })] },
    )

    const paused = await agent.run('What is the weather in Tokyo?')

    const requirement = single(paused.activeRequirements)
    expect(requirement.userInputSchema?.find((field) => field.name === 'temperature')?.value).toBeUndefined()
    expect(() => requirement.provideUserInput({})).toThrow(InvalidResolution)
  })

  it('does not run with a hidden optional argument the model slipped in and the person left empty', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo', temperature: 99 } }] }, 'Done.'],
      { tools: [weatherTool(ledger, { userInputFields: ['temperature'] })] },
    )
    const paused = await agent.run('What is the weather in Tokyo?')

    single(paused.activeRequirements).provideUserInput({})
    const output = await agent.continueRun(paused)

    expect(single(output.toolExecutions).args).toEqual({ city: 'Tokyo' })
  })
})

describe('requiresUserInput without fields asks for every argument, hiding none', () => {
  it('shows the model every argument and prefills all of them in the form', async () => {
    const ledger = makeLedger()
    const { agent, model } = scriptedAgent(
      [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo', temperature: 18 } }] }, 'Done.'],
      { tools: [thermometerTool(ledger, { requiresUserInput: true })] },
    )

    const paused = await agent.run('What is the weather in Tokyo?')

    expect(Object.keys(single(model.requests[0]?.tools ?? []).parameters.properties)).toEqual([
      'city',
      'temperature',
    ])
    expect(single(paused.activeRequirements).userInputSchema).toEqual([
      { name: 'city', type: 'string', required: true, value: 'Tokyo' },
      { name: 'temperature', type: 'number', required: true, value: 18 },
    ])
  })

  it('runs with the prefills as they are, or with what the person changed', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo', temperature: 18 } }] }, 'Done.'],
      { tools: [thermometerTool(ledger, { requiresUserInput: true })] },
    )
    const paused = await agent.run('What is the weather in Tokyo?')

    single(paused.activeRequirements).provideUserInput({ city: 'Osaka' })
    const output = await agent.continueRun(paused)

    expect(ledger.calls.map((call) => call.args)).toEqual([{ city: 'Osaka', temperature: 18 }])
    expect(single(output.toolExecutions).args).toEqual({ city: 'Osaka', temperature: 18 })
  })
})

describe('a toolkit with requiresUserInputTools', () => {
  it('asks for every argument of the listed tool and leaves the others free', async () => {
    const ledger = makeLedger()
    const toolkit = Toolkit.make({
      name: 'weather',
      tools: [thermometerTool(ledger, {}), listFilesTool(ledger)],
      requiresUserInputTools: ['get_the_weather'],
    })
    const { agent, model } = scriptedAgent(
      [
        {
          toolCalls: [
            { name: 'get_the_weather', args: { city: 'Tokyo', temperature: 18 } },
            { name: 'list_files', args: {} },
          ],
        },
        'Done.',
      ],
      { tools: [toolkit] },
    )

    const paused = await agent.run('What is the weather in Tokyo?')

    const shown = model.requests[0]?.tools.find((tool) => tool.name === 'get_the_weather')
    expect(Object.keys(shown?.parameters.properties ?? {})).toEqual(['city', 'temperature'])
    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files'])
    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('user_input')
    expect(requirement.toolCall.name).toBe('get_the_weather')
    expect(requirement.userInputSchema?.map((field) => [field.name, field.value])).toEqual([
      ['city', 'Tokyo'],
      ['temperature', 18],
    ])

    requirement.provideUserInput({ temperature: 20 })
    await agent.continueRun(paused)
    expect(ledger.calls.map((call) => [call.tool, call.args])).toEqual([
      ['list_files', {}],
      ['get_the_weather', { city: 'Tokyo', temperature: 20 }],
    ])
  })
})

describe('dynamic user input: the model asks for fields of its choosing', () => {
  const askScript: ReadonlyArray<ScriptedModel.Turn> = [
    {
      toolCalls: [
        {
          name: 'get_user_input',
          args: {
            fields: [{ name: 'destination', type: 'string', description: 'Where do you want to go?' }],
          },
        },
      ],
    },
    'Booking a trip to Lisbon.',
  ]
  const askingAgent = (store?: RunStore) =>
    scriptedAgent(askScript, { tools: [dynamicUserInput()], ...(store === undefined ? {} : { store }) })

  it('pauses with a dynamic_user_input requirement whose form is the fields asked', async () => {
    const { agent } = askingAgent()

    const paused = await agent.run('Book me a trip')

    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('dynamic_user_input')
    expect(requirement.needsUserInput).toBe(true)
    expect(requirement.toolCall.name).toBe('get_user_input')
    expect(requirement.userInputSchema).toEqual([
      { name: 'destination', type: 'string', description: 'Where do you want to go?', required: true },
    ])
  })

  it('gives the model the answers as the call result', async () => {
    const { agent, model } = askingAgent()
    const paused = await agent.run('Book me a trip')

    single(paused.activeRequirements).provideUserInput({ destination: 'Lisbon' })
    const output = await agent.continueRun(paused)

    expect(lastToldTo(model)).toMatchObject({
      _tag: 'Tool',
      toolName: 'get_user_input',
      content: 'User inputs retrieved: [{"name":"destination","value":"Lisbon"}]',
    })
    expect(output.status).toBe('completed')
    expect(output.content).toBe('Booking a trip to Lisbon.')
  })

  it('gives the same answer when continued cold', async () => {
    const { agent, store } = askingAgent()
    const paused = await agent.run('Book me a trip')

    const fresh = askingAgent(store)
    await fresh.agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.userInput(single(paused.activeRequirements).id, { destination: 'Lisbon' })],
    })

    expect(lastToldTo(fresh.model)).toMatchObject({
      content: 'User inputs retrieved: [{"name":"destination","value":"Lisbon"}]',
    })
  })

  it('refuses an answer of the wrong type and records nothing', async () => {
    const { agent } = askingAgent()
    const paused = await agent.run('Book me a trip')
    const requirement = single(paused.activeRequirements)

    expect(() => requirement.provideUserInput({ destination: 42 })).toThrow(InvalidResolution)
    expect(requirement.isResolved).toBe(false)
    await expect(
      agent.continueRun({
        runId: paused.runId,
        resolutions: [Resolutions.userInput(requirement.id, { destination: 42 })],
      }),
    ).rejects.toMatchObject({ _tag: 'InvalidResolution', requirementId: requirement.id })

    const stored = await agent.getRun(paused.runId)
    expect(stored.status).toBe('paused')
    expect(single(stored.activeRequirements).id).toBe(requirement.id)
  })
})
