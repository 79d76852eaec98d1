import { Either, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  Agent,
  completeAnswers,
  MemoryStore,
  RequirementPlugin,
  ScriptedModel,
  Tool,
  Toolkit,
  UserInputField,
} from '../src/index.js'

/*
 * A running call pauses its run (`Tool.pause`), as a tool whose server asks the person something
 * half-way does: the call runs again with the answer, and only the answer; nothing decided
 * before it is asked again.
 */

/** A form raised by the running call; its answer goes back to the call. */
const Question = RequirementPlugin.make({
  kind: 'question',
  answers: 'user_input',
  duringCall: true,
  request: Schema.Struct({ fields: Schema.Array(UserInputField) }),
  check: (request, resolution) =>
    Either.match(completeAnswers(request.fields, resolution.values), {
      onLeft: (reason) => reason,
      onRight: () => undefined,
    }),
  outcome: ({ args }) => RequirementPlugin.Outcome.Execute({ args }),
})

const setup = () => {
  const runs: Array<{ args: unknown; answers: ReadonlyArray<Tool.CallAnswer>; key: string }> = []
  const ask = Tool.make({
    name: 'ask',
    description: 'Asks the person half-way',
    parameters: Schema.Struct({ topic: Schema.String }),
    requiresConfirmation: true,
    execute: (args, ctx) => {
      runs.push({ args, answers: ctx.answers, key: ctx.idempotencyKey })
      const answer = ctx.answers.find((answer) => answer.kind === Question.kind)
      if (answer === undefined)
        return Tool.pause([Question.need({ fields: [{ name: 'colour', type: 'string', required: true }] })])
      return `${args.topic}: ${JSON.stringify(answer.value)}`
    },
  })
  const agent = new Agent({
    id: 'asker',
    model: ScriptedModel.make([{ toolCalls: [{ name: 'ask', args: { topic: 'paint' } }] }, 'Done.']),
    store: MemoryStore.make(),
    tools: [Toolkit.make({ name: 'asking', tools: [ask], plugins: [Question] })],
  })
  return { agent, runs }
}

describe('Tool.pause', () => {
  it('pauses the run mid-call; the call resumes with the answer, without being confirmed again', async () => {
    const { agent, runs } = setup()
    let output = await agent.run('go')
    expect(output.activeRequirements.map((requirement) => requirement.kind)).toEqual(['confirmation'])
    output.activeRequirements[0]!.confirm()
    output = await agent.continueRun(output)
    expect(output.status).toBe('paused')
    const [question] = output.activeRequirements
    expect(question?.kind).toBe('question')
    expect(question?.userInputSchema?.map((field) => field.name)).toEqual(['colour'])
    question!.provideUserInput({ colour: 'teal' })
    output = await agent.continueRun(output)
    expect(output.status).toBe('completed')
    expect(runs).toHaveLength(2)
    expect(runs[0]!.answers.map((answer) => answer.kind)).toEqual(['confirmation'])
    expect(runs[1]!.answers.map(({ kind, value }) => ({ kind, value }))).toEqual([
      { kind: 'question', value: { values: { colour: 'teal' } } },
    ])
    expect(runs[1]!.key).toBe(runs[0]!.key)
    expect(output.messages.find((message) => message._tag === 'Tool')?.content).toBe(
      'paint: {"values":{"colour":"teal"}}',
    )
  })

  it('checks the answer against the form like any user input, and records nothing when it does not fit', async () => {
    const { agent, runs } = setup()
    let output = await agent.run('go')
    output.activeRequirements[0]!.confirm()
    output = await agent.continueRun(output)
    expect(() => output.activeRequirements[0]!.provideUserInput({ colour: 7 })).toThrow(/colour must be text/)
    expect(runs).toHaveLength(1)
  })
})
