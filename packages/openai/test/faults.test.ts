/**
 * Every fault of a request or its stream ends the turn with a typed ModelError saying whether asking again
 * may help (`retryable`), after the SDK's own retries: never a hang, never an untyped crash.
 */
import { ModelError } from '@countersign/core'
import { apiError, startOpenAIWire, turn, type OpenAIWire } from '@countersign/openai-wire'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { model, type Api } from './fixtures.js'
import { ask, chunksOf, failureOf } from './turns.js'

let wire: OpenAIWire
beforeAll(async () => {
  wire = await startOpenAIWire()
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const rateLimited = apiError(429, {
  message: 'Rate limit reached',
  type: 'requests',
  code: 'rate_limit_exceeded',
})

describe.each<Api>(['responses', 'chat'])('faults on the %s API', (api) => {
  it('retries a 429 through the SDK, then fails with a retryable ModelError carrying status and code', async () => {
    await wire.script(rateLimited, rateLimited)

    const error = await failureOf(model(wire.baseURL, api, { maxRetries: 1 }), ask('hi'))

    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({
      model: 'gpt-test',
      status: 429,
      code: 'rate_limit_exceeded',
      retryable: true,
    })
    expect(error.reason).toContain('Rate limit reached')
    expect(await wire.requests()).toHaveLength(2)
  })

  it('retries a 500 as often as maxRetries says, then fails retryably', async () => {
    const serverError = apiError(500, { message: 'The server had an error', type: 'server_error' })
    await wire.script(serverError, serverError, serverError)

    const error = await failureOf(model(wire.baseURL, api, { maxRetries: 2 }), ask('hi'))

    expect(error).toMatchObject({ status: 500, code: 'server_error', retryable: true })
    expect(await wire.requests()).toHaveLength(3)
  })

  it('recovers when a retry succeeds', async () => {
    await wire.script(rateLimited, turn({ text: 'Hello.' }))

    const chunks = await chunksOf(model(wire.baseURL, api, { maxRetries: 1 }), ask('hi'))

    expect(chunks).toContainEqual({ _tag: 'TextDelta', text: 'Hello.' })
  })

  // The SDK retries any 429, a spent quota too (asked `maxRetries` times); a 400 it does not retry.
  it.each([
    { status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: 'Quota spent', asked: 3 },
    {
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_function_parameters',
      message: 'Bad',
      asked: 1,
    },
  ])('fails a $status $code, not retryable', async ({ status, asked, ...error }) => {
    await wire.script(...Array.from({ length: asked }, () => apiError(status, error)))

    const failure = await failureOf(model(wire.baseURL, api, { maxRetries: 2 }), ask('hi'))

    expect(failure).toMatchObject({ status, code: error.code, retryable: false })
    expect(await wire.requests()).toHaveLength(asked)
  })

  it('times out a response that does not start in time, closing the connection', async () => {
    await wire.script(turn({ text: 'late', delayMs: 30_000 }))

    const error = await failureOf(model(wire.baseURL, api, { timeout: 200 }), ask('hi'))

    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    expect((await wire.waitForClose(0)).closedByClient).toBe(true)
  })

  it('times out a stream that goes silent mid-way, closing the connection', async () => {
    await wire.script(turn({ text: ['a', 'b', 'c'], holdAfter: 3 }))

    const error = await failureOf(model(wire.baseURL, api, { timeout: 300 }), ask('hi'))

    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    expect((await wire.waitForClose(0)).closedByClient).toBe(true)
  })

  it('fails retryably when the connection drops mid-stream', async () => {
    await wire.script(turn({ text: ['a', 'b', 'c', 'd'], cutAfter: 4 }))

    const error = await failureOf(model(wire.baseURL, api), ask('hi'))

    expect(error).toMatchObject({ code: 'stream_dropped', retryable: true })
    expect(error.reason).not.toMatch(/\n\s+at /)
  })

  it('fails retryably on stream data that is not JSON', async () => {
    await wire.script(turn({ text: ['a', 'b'], malformedAfter: 3 }))

    const error = await failureOf(model(wire.baseURL, api), ask('hi'))

    expect(error).toMatchObject({ code: 'malformed_stream', retryable: true })
  })

  it('fails retryably on an error sent inside the stream', async () => {
    await wire.script(
      turn({ text: 'partial', streamError: { code: 'server_error', message: 'The model crashed' } }),
    )

    const error = await failureOf(model(wire.baseURL, api), ask('hi'))

    expect(error).toMatchObject({ code: 'server_error', retryable: true })
    expect(error.reason).toContain('The model crashed')
  })

  it('hands on a tool call whose arguments are not JSON as an InvalidToolCall, for the run to tell the model', async () => {
    await wire.script(
      turn({
        toolCalls: [
          { id: 'call_ok', name: 'lookup', arguments: '{"name":"Ada"}' },
          { id: 'call_bad', name: 'lookup', arguments: ['{"name":', '"Ada'] },
        ],
      }),
    )

    const chunks = await chunksOf(model(wire.baseURL, api), { ...ask('hi'), tools: [] })

    expect(chunks.filter((chunk) => chunk._tag !== 'Usage')).toMatchObject([
      { _tag: 'ToolCall', call: { id: 'call_ok', name: 'lookup', args: { name: 'Ada' } } },
      { _tag: 'InvalidToolCall', id: 'call_bad', name: 'lookup', args: '{"name":"Ada' },
    ])
  })
})

describe('streams that end before the turn does', () => {
  const responsesDelta =
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"Hi","logprobs":[],"sequence_number":0}\n\n'
  const chatDelta =
    'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'

  it.each<[Api, string]>([
    ['responses', responsesDelta],
    ['chat', chatDelta],
  ])('fail on the %s API when the stream ends without saying the turn is over', async (api, body) => {
    await wire.script({ type: 'raw', body })

    const error = await failureOf(model(wire.baseURL, api), ask('hi'))

    expect(error).toMatchObject({ code: 'stream_dropped', retryable: true })
  })
})
