import { type Model, ModelError } from '@countersign/core'
import { apiError, turn } from '@countersign/openai-wire'
import { Chunk, Effect, Either, Fiber, Stream } from 'effect'
import { describe, expect, it } from 'vitest'
import { AiSdkModel } from '../src/index.js'
import { openai, useWire } from './wire.js'

const wire = useWire()

const request: Model.ModelRequest = {
  instructions: 'Be brief.',
  messages: [{ _tag: 'User', content: 'Hello?' }],
  tools: [
    {
      name: 'lookup_order',
      description: 'Find an order',
      parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    },
  ],
}

const chatModel = (options?: AiSdkModel.Options) =>
  AiSdkModel.make(openai(wire.current).chat('gpt-test'), options)

/** Everything one turn streams, or how it failed. */
const runTurn = (model: Model.Model) =>
  Effect.runPromise(Effect.either(Stream.runCollect(model.stream(request)).pipe(Effect.map(Chunk.toArray))))

const failureOf = async (model: Model.Model) => {
  const result = await runTurn(model)
  if (Either.isRight(result)) throw new Error(`the turn completed: ${JSON.stringify(result.right)}`)
  expect(result.left).toBeInstanceOf(ModelError)
  return result.left
}

describe('one model turn of an AI SDK provider model, over the wire', () => {
  it('streams text as it arrives, before the turn ends', async () => {
    // Two deltas are sent (after the role chunk); then the server holds the stream open.
    await wire.current.script(turn({ text: ['Hel', 'lo', ' there'], holdAfter: 3 }))

    const chunks = await Effect.runPromise(
      Stream.runCollect(chatModel().stream(request).pipe(Stream.take(2))),
    )

    expect(Chunk.toArray(chunks)).toEqual([
      { _tag: 'TextDelta', text: 'Hel' },
      { _tag: 'TextDelta', text: 'lo' },
    ])
    // Having what it wanted, the run stops listening: the request is aborted.
    expect(await wire.current.waitForClose(0)).toMatchObject({ closedByClient: true })
  })

  it('reports several tool calls of one turn, split across deltas, complete and with their ids, then the usage', async () => {
    await wire.current.script(
      turn({
        text: 'Looking both up.',
        toolCalls: [
          { id: 'call_a', name: 'lookup_order', arguments: ['{"order', 'Id":"A-1', '"}'] },
          { id: 'call_b', name: 'lookup_order', arguments: ['{"orderId"', ':"B-2"}'] },
        ],
        usage: { inputTokens: 31, outputTokens: 17, cachedInputTokens: 8, reasoningTokens: 5 },
      }),
    )

    const result = await runTurn(chatModel())

    expect(result).toEqual(
      Either.right([
        { _tag: 'TextDelta', text: 'Looking both up.' },
        { _tag: 'ToolCall', call: { id: 'call_a', name: 'lookup_order', args: { orderId: 'A-1' } } },
        { _tag: 'ToolCall', call: { id: 'call_b', name: 'lookup_order', args: { orderId: 'B-2' } } },
        {
          _tag: 'Usage',
          usage: { inputTokens: 31, outputTokens: 17, cachedInputTokens: 8, reasoningTokens: 5 },
        },
      ]),
    )
  })

  it('fails a rate-limited request as retryable, with its status and code', async () => {
    await wire.current.script(
      apiError(429, { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }),
    )

    const error = await failureOf(chatModel())

    expect(error).toMatchObject({
      model: 'openai.chat:gpt-test',
      status: 429,
      code: 'rate_limit_exceeded',
      retryable: true,
    })
    expect(error.reason).toContain('Rate limit reached')
  })

  it('fails a server error as retryable', async () => {
    await wire.current.script(apiError(500, { message: 'The server had an error', type: 'server_error' }))

    expect(await failureOf(chatModel())).toMatchObject({ status: 500, code: 'server_error', retryable: true })
  })

  it('fails a request the provider refuses as not retryable', async () => {
    await wire.current.script(
      apiError(400, {
        message: "Invalid schema for function 'lookup_order'",
        type: 'invalid_request_error',
        code: 'invalid_function_parameters',
      }),
    )

    expect(await failureOf(chatModel())).toMatchObject({
      status: 400,
      code: 'invalid_function_parameters',
      retryable: false,
    })
  })

  // Cut before any output (the provider checks the stream's start), and after some text.
  it.each([1, 3])('fails a stream cut after %i events as retryable', async (events) => {
    await wire.current.script(turn({ text: ['Hel', 'lo', ' there'], cutAfter: events }))

    const error = await failureOf(chatModel())

    expect(error).toMatchObject({ code: 'stream_dropped', retryable: true })
    expect(error.status).toBeUndefined()
  })

  it('fails a stream with a chunk that is not JSON as retryable', async () => {
    await wire.current.script(turn({ text: ['Hel', 'lo'], malformedAfter: 2 }))

    expect(await failureOf(chatModel())).toMatchObject({ code: 'malformed_stream', retryable: true })
  })

  it('fails an error streamed after some output with the provider code', async () => {
    await wire.current.script(
      turn({
        text: ['Hel', 'lo'],
        streamError: { code: 'server_overloaded', message: 'Overloaded, try again' },
      }),
    )

    expect(await failureOf(chatModel())).toMatchObject({
      reason: 'Overloaded, try again',
      code: 'server_overloaded',
      retryable: true,
    })
  })

  it('hands on tool-call arguments that are not JSON as an InvalidToolCall, for the run to tell the model', async () => {
    await wire.current.script(
      turn({ toolCalls: [{ id: 'call_a', name: 'lookup_order', arguments: ['{"orderId": "A-', '1'] }] }),
    )

    const result = await runTurn(chatModel())
    expect(Either.getOrThrow(result).filter((chunk) => chunk._tag !== 'Usage')).toEqual([
      {
        _tag: 'InvalidToolCall',
        id: 'call_a',
        name: 'lookup_order',
        args: '{"orderId": "A-1',
        reason: 'not a JSON object',
      },
    ])
  })

  it('aborts the request in flight when the run stops listening mid-stream', async () => {
    await wire.current.script(turn({ text: ['Hel', 'lo'], holdAfter: 2 }))
    const fiber = Effect.runFork(Stream.runDrain(chatModel().stream(request)))
    await wire.current.waitForRequests(1)

    await Effect.runPromise(Fiber.interrupt(fiber))

    expect(await wire.current.waitForClose(0)).toMatchObject({ closedByClient: true })
  })

  it('fails a turn that outlasts its timeout as retryable, and closes its connection', async () => {
    await wire.current.script(turn({ text: ['Hel', 'lo'], holdAfter: 2 }))

    expect(await failureOf(chatModel({ timeoutMs: 50 }))).toMatchObject({ code: 'timeout', retryable: true })
    expect(await wire.current.waitForClose(0)).toMatchObject({ closedByClient: true })
  })

  it('speaks the Responses API just as well', async () => {
    await wire.current.script(
      turn({
        text: ['On ', 'it.'],
        toolCalls: [{ id: 'call_r', name: 'lookup_order', arguments: ['{"orderId":', '"R-7"}'] }],
        usage: { inputTokens: 12, outputTokens: 4 },
      }),
    )

    const result = await runTurn(AiSdkModel.make(openai(wire.current).responses('gpt-test')))

    expect(result).toEqual(
      Either.right([
        { _tag: 'TextDelta', text: 'On ' },
        { _tag: 'TextDelta', text: 'it.' },
        { _tag: 'ToolCall', call: { id: 'call_r', name: 'lookup_order', args: { orderId: 'R-7' } } },
        // The Responses API always counts cached and reasoning tokens.
        {
          _tag: 'Usage',
          usage: { inputTokens: 12, outputTokens: 4, cachedInputTokens: 0, reasoningTokens: 0 },
        },
      ]),
    )
    expect((await wire.current.requests())[0]?.path).toBe('/v1/responses')
  })
})
