import { Effect, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, Model, ScriptedModel, Tool } from '../src/index.js'
import { collect } from './fixtures.js'

const echo = Tool.make({
  name: 'echo',
  description: 'Echo text',
  parameters: Schema.Struct({ text: Schema.String }),
  execute: ({ text }) => text,
})

describe('models written with async iterables', () => {
  it('stream text and tool calls into the run', async () => {
    const model = Model.fromAsyncIterable(
      'iterable',
      async function* (request): AsyncIterable<Model.ModelChunk> {
        const last = request.messages.at(-1)
        if (last?._tag === 'Tool') {
          yield { _tag: 'TextDelta', text: 'You said ' }
          yield { _tag: 'TextDelta', text: last.content }
          return
        }
        yield { _tag: 'ToolCall', call: { id: 'c1', name: 'echo', args: { text: 'hello' } } }
      },
    )
    const agent = new Agent({ id: 'echoer', model, tools: [echo] })
    const events = await collect(agent.runStream('say hello'))
    expect(events.at(-1)).toMatchObject({ _tag: 'RunCompleted', content: 'You said hello' })
    expect(events.filter((event) => event._tag === 'RunContent').map((event) => event.delta)).toEqual([
      'You said ',
      'hello',
    ])
  })

  it('fail the run with the model error when they throw, having stored it', async () => {
    const model = Model.fromAsyncIterable('broken', async function* (): AsyncIterable<Model.ModelChunk> {
      yield { _tag: 'TextDelta', text: 'Start' }
      throw new Error('connection reset')
    })
    const agent = new Agent({ id: 'broken', model })
    const output = await agent.run('hi')
    expect(output.status).toBe('failed')
    expect(output.error).toContain('connection reset')
    expect((await agent.getRun(output.runId)).status).toBe('failed')
  })
})

describe('what model turns cost', () => {
  it('is recorded with each turn and summed on the run, across a pause and a cold resume', async () => {
    const costs = [
      { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60 },
      { inputTokens: 150, outputTokens: 5, reasoningTokens: 3 },
    ]
    const script: ReadonlyArray<ScriptedModel.Turn> = [
      { toolCalls: [{ name: 'gated_echo', args: { text: 'hi' } }], usage: costs[0]! },
      { content: 'Echoed.', usage: costs[1]! },
    ]
    const gated = Tool.make({ ...echo.spec, name: 'gated_echo', requiresConfirmation: true })
    const first = new Agent({ id: 'costly', model: ScriptedModel.make(script), tools: [gated] })
    const paused = await first.run('echo hi')
    expect(paused.usage).toEqual(costs[0])
    paused.activeRequirements[0]!.confirm()
    const second = new Agent({
      id: 'costly',
      model: ScriptedModel.make(script),
      tools: [gated],
      store: first.store,
    })
    const done = await second.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.usage).toEqual({
      inputTokens: 250,
      outputTokens: 25,
      cachedInputTokens: 60,
      reasoningTokens: 3,
    })
    const turns = (await Effect.runPromise(second.store.readEvents(done.runId, 0))).filter(
      (event) => event._tag === 'ModelRequestCompleted',
    )
    expect(turns.map((event) => event.usage)).toEqual(costs)
  })
})

describe('the scripted model', () => {
  it('fails the run, not the caller, when its script runs out', async () => {
    const agent = new Agent({ id: 'short', model: ScriptedModel.make([]) })
    const output = await agent.run('hi')
    expect(output).toMatchObject({ status: 'failed' })
    expect(output.error).toContain('no turn 1')
  })

  it('answers with a function of the conversation', async () => {
    const model = ScriptedModel.make((request) => `You wrote ${request.messages.length} message(s).`)
    const agent = new Agent({ id: 'counter', model, instructions: 'Count.' })
    expect((await agent.run('one')).content).toBe('You wrote 1 message(s).')
    expect(model.requests[0]!.instructions).toBe('Count.')
  })

  it('turns a throwing script function into a failed run', async () => {
    const agent = new Agent({
      id: 'thrower',
      model: ScriptedModel.make(() => {
        throw new Error('script bug')
      }),
    })
    const output = await agent.run('hi')
    expect(output.status).toBe('failed')
    expect(output.error).toContain('script bug')
  })
})

describe('tool calls whose arguments are not JSON', () => {
  /** A model that sends `bad` unreadable calls to echo, then a good one, then reports. */
  const sloppy = (bad: number) => {
    const requests: Array<Model.ModelRequest> = []
    const model = Model.fromAsyncIterable(
      'sloppy',
      async function* (request): AsyncIterable<Model.ModelChunk> {
        requests.push(request)
        const turn = request.messages.filter((message) => message._tag === 'Assistant').length
        if (turn < bad) {
          yield {
            _tag: 'InvalidToolCall',
            id: `bad_${turn}`,
            name: 'echo',
            args: '{"text": "hi',
            reason: 'unexpected end',
          }
          return
        }
        const last = request.messages.at(-1)
        if (last?._tag === 'Tool' && last.toolCallId.startsWith('good')) {
          yield { _tag: 'TextDelta', text: `Echoed ${last.content}` }
          return
        }
        yield { _tag: 'ToolCall', call: { id: `good_${turn}`, name: 'echo', args: { text: 'hi' } } }
      },
    )
    return { model, requests }
  }

  it('never run: the model is told why, as the call failing, and may try again', async () => {
    let ran = 0
    const counted = Tool.make({
      ...echo.spec,
      execute: ({ text }: { text: string }) => `${(ran += 1)}:${text}`,
    } as never)
    const { model, requests } = sloppy(1)
    const output = await new Agent({ id: 'sloppy', model, tools: [counted] }).run('echo hi')
    expect(output.status).toBe('completed')
    expect(output.content).toBe('Echoed 1:hi')
    expect(ran).toBe(1)
    const told = requests[1]!.messages.at(-1)
    expect(told).toMatchObject({ _tag: 'Tool', toolCallId: 'bad_0', outcome: 'failed' })
    expect((told as { content: string }).content).toContain(
      'the arguments were not a JSON object (unexpected end)',
    )
  })

  it('fail the run clearly when the model keeps sending them', async () => {
    const { model, requests } = sloppy(10)
    const output = await new Agent({ id: 'sloppy', model, tools: [echo] }).run('echo hi')
    expect(output.status).toBe('failed')
    expect(output.error).toContain('not JSON 3 turns in a row')
    expect(requests).toHaveLength(3)
  })
})
