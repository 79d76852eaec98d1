import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, DefinitionError, InvalidResolution, ScriptedModel, Tool, Toolkit } from '../src/index.js'
import { listFilesTool, makeLedger, scriptedAgent, sendEmailTool, weatherTool } from './fixtures.js'

/*
 * A wrong declaration is a DefinitionError thrown where it is written (Tool.make, Toolkit.make,
 * new Agent), never a surprise in the middle of a run.
 */

const expectDefinitionError = (define: () => unknown, reason: RegExp) => {
  let error: unknown
  try {
    define()
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(DefinitionError)
  expect(error).toMatchObject({ _tag: 'DefinitionError', reason: expect.stringMatching(reason) as unknown })
}

const spec = {
  name: 'send_email',
  description: 'Send an email',
  parameters: Schema.Struct({ to: Schema.String, subject: Schema.String, body: Schema.String }),
  execute: () => 'sent',
}

describe('Tool.make: human-in-the-loop flags', () => {
  it.each([
    { pair: 'confirmation and user input', flags: { requiresConfirmation: true, requiresUserInput: true } },
    {
      pair: 'confirmation and user-input fields',
      flags: { requiresConfirmation: true, userInputFields: ['to'] },
    },
    {
      pair: 'confirmation and external execution',
      flags: { requiresConfirmation: true, externalExecution: true },
    },
    {
      pair: 'user input and external execution',
      flags: { requiresUserInput: true, externalExecution: true },
    },
    {
      pair: 'user-input fields and external execution',
      flags: { userInputFields: ['to'], externalExecution: true },
    },
    {
      pair: 'all three',
      flags: { requiresConfirmation: true, requiresUserInput: true, externalExecution: true },
    },
  ])('refuses $pair on one tool', ({ flags }) => {
    expectDefinitionError(() => Tool.make({ ...spec, ...flags }), /only one of/)
  })

  it('accepts one flag, and flags set to false', () => {
    expect(Tool.make({ ...spec, requiresConfirmation: true, externalExecution: false }).flags).toEqual({
      requiresConfirmation: true,
      externalExecution: false,
    })
    expect(Tool.make({ ...spec, requiresUserInput: true, userInputFields: ['to'] }).flags).toMatchObject({
      requiresUserInput: true,
      userInputFields: ['to'],
    })
  })

  it('refuses userInputFields naming something that is not a parameter', () => {
    expectDefinitionError(
      () => Tool.make({ ...spec, userInputFields: ['to', 'cc'] }),
      /"cc".*not a parameter/,
    )
  })

  it('refuses a tool without execute unless it is executed externally', () => {
    const { execute: _execute, ...withoutExecute } = spec
    expectDefinitionError(() => Tool.make(withoutExecute), /needs execute/)
    expectDefinitionError(() => Tool.make({ ...withoutExecute, requiresConfirmation: true }), /needs execute/)
    expect(Tool.make({ ...withoutExecute, externalExecution: true }).name).toBe('send_email')
  })
})

describe('Tool.make: names and parameters', () => {
  it.each(['', 'send email', 'send.email', 'émail', 'x'.repeat(65)])('refuses the name %j', (name) => {
    expectDefinitionError(() => Tool.make({ ...spec, name }), /a name is/)
  })

  it.each(['a', 'send_email', 'send-email', 'Tool2', 'x'.repeat(64)])('accepts the name %j', (name) => {
    expect(Tool.make({ ...spec, name }).name).toBe(name)
  })

  it.each([
    { what: 'a string', parameters: Schema.String },
    { what: 'a number', parameters: Schema.Number },
    { what: 'an array', parameters: Schema.Array(Schema.String) },
    {
      what: 'a union of structs',
      parameters: Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number })),
    },
  ])('refuses parameters that are $what, not a Struct', ({ parameters }) => {
    expectDefinitionError(
      () =>
        Tool.make({
          name: 'odd',
          description: 'Odd',
          parameters: parameters as Schema.Schema<unknown>,
          execute: () => 'ok',
        }),
      /must be a Schema.Struct/,
    )
  })
})

describe('Toolkit.make: HITL lists', () => {
  const ledger = makeLedger()
  const tools = [weatherTool(ledger), listFilesTool(ledger)]

  it.each(['requiresConfirmationTools', 'requiresUserInputTools', 'externalExecutionTools'] as const)(
    'refuses %s naming a tool that is not in the toolkit',
    (list) => {
      expectDefinitionError(
        () => Toolkit.make({ name: 'kit', tools, [list]: ['get_the_weather', 'delete_everything'] }),
        new RegExp(`${list} names "delete_everything"`),
      )
    },
  )

  it.each([
    {
      why: 'two lists',
      lists: { requiresConfirmationTools: ['get_the_weather'], externalExecutionTools: ['get_the_weather'] },
    },
    {
      why: 'user input and confirmation lists',
      lists: { requiresConfirmationTools: ['list_files'], requiresUserInputTools: ['list_files'] },
    },
  ])('refuses a tool named in $why', ({ lists }) => {
    expectDefinitionError(() => Toolkit.make({ name: 'kit', tools, ...lists }), /only one of/)
  })

  it.each([
    { flag: { requiresConfirmation: true }, list: 'externalExecutionTools' },
    { flag: { requiresConfirmation: true }, list: 'requiresUserInputTools' },
    { flag: { externalExecution: true }, list: 'requiresConfirmationTools' },
    { flag: { userInputFields: ['city'] }, list: 'requiresConfirmationTools' },
  ] as const)('refuses $list giving a second flag to a tool declared with $flag', ({ flag, list }) => {
    expectDefinitionError(
      () => Toolkit.make({ name: 'kit', tools: [weatherTool(ledger, flag)], [list]: ['get_the_weather'] }),
      /only one of/,
    )
  })

  it('refuses two tools of one name', () => {
    expectDefinitionError(
      () => Toolkit.make({ name: 'kit', tools: [weatherTool(ledger), weatherTool(ledger)] }),
      /share a name/,
    )
  })

  it('gives the listed tools their flag, and leaves the others alone', () => {
    const kit = Toolkit.make({ name: 'kit', tools, requiresConfirmationTools: ['get_the_weather'] })
    expect(kit.tools.map((tool) => [tool.name, tool.flags.requiresConfirmation === true])).toEqual([
      ['get_the_weather', true],
      ['list_files', false],
    ])
  })
})

describe('new Agent: tool names', () => {
  it('refuses two tools of one name, across toolkits and plain tools', () => {
    const ledger = makeLedger()
    const kit = Toolkit.make({ name: 'kit', tools: [weatherTool(ledger)] })
    expectDefinitionError(
      () => scriptedAgent([], { tools: [weatherTool(ledger), weatherTool(ledger)] }),
      /two tools are named "get_the_weather"/,
    )
    expectDefinitionError(
      () => scriptedAgent([], { tools: [kit, weatherTool(ledger)] }),
      /two tools are named "get_the_weather"/,
    )
  })

  it('refuses an agent without an id', () => {
    expectDefinitionError(() => new Agent({ id: '', model: ScriptedModel.make([]) }), /an id is required/)
    expectDefinitionError(() => new Agent({ id: '  ', model: ScriptedModel.make([]) }), /an id is required/)
  })

  it('refuses two plugins of one kind', () => {
    const { agent } = scriptedAgent([])
    const confirmation = agent.plugins.get('confirmation')!
    expectDefinitionError(
      () => scriptedAgent([], { plugins: [confirmation] }),
      /two requirement plugins have kind "confirmation"/,
    )
    expect(agent).toBeInstanceOf(Agent)
  })
})

describe('userInputFields', () => {
  it('hides those parameters from the model, and from what the model is sent', async () => {
    const ledger = makeLedger()
    const tool = sendEmailTool(ledger, { userInputFields: ['to'] })
    expect(Object.keys(tool.modelParameters.properties)).toEqual(['subject', 'body'])
    expect(tool.modelParameters.required).toEqual(['subject', 'body'])

    const { agent, model } = scriptedAgent(
      [{ toolCalls: [{ name: 'send_email', args: { subject: 'Hi', body: 'Hello' } }] }, 'Sent.'],
      { tools: [tool] },
    )
    await agent.run('email ada')
    const shown = model.requests[0]!.tools.find((schema) => schema.name === 'send_email')!
    expect(Object.keys(shown.parameters.properties)).toEqual(['subject', 'body'])
    expect(shown.parameters.required).not.toContain('to')
  })

  it('asks the person for the hidden parameters only; the others stay as the model gave them', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(
      [{ toolCalls: [{ name: 'send_email', args: { subject: 'Hi', body: 'Hello' } }] }, 'Sent.'],
      { tools: [sendEmailTool(ledger, { userInputFields: ['to'] })] },
    )
    const paused = await agent.run('email ada')
    const [requirement] = paused.activeRequirements
    expect(requirement?.needsUserInput).toBe(true)
    expect(requirement?.userInputSchema).toEqual([{ name: 'to', type: 'string', required: true }])
    expect(() => requirement!.provideUserInput({ to: 'ada@example.com', subject: 'Bye' })).toThrow(
      InvalidResolution,
    )

    requirement!.provideUserInput({ to: 'ada@example.com' })
    const done = await agent.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(ledger.calls.map((call) => call.args)).toEqual([
      { to: 'ada@example.com', subject: 'Hi', body: 'Hello' },
    ])
  })

  it('leaves the model schema whole for a tool that asks for user input without naming fields', () => {
    const tool = sendEmailTool(makeLedger(), { requiresUserInput: true })
    expect(Object.keys(tool.modelParameters.properties)).toEqual(['to', 'subject', 'body'])
  })
})
