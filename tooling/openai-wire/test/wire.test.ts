import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { apiError, startOpenAIWire, turn, type OpenAIWire } from '../src/index.js'

// The official SDK is the judge: what it parses from the server is what an adapter would see.
let wire: OpenAIWire
let client: OpenAI

beforeAll(async () => {
  wire = await startOpenAIWire()
  client = new OpenAI({ apiKey: 'sk-test', baseURL: wire.baseURL, maxRetries: 0 })
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

describe('Chat Completions', () => {
  it('streams text deltas, tool call fragments keyed by index, the finish reason and usage, then records the request', async () => {
    await wire.script(
      turn({
        text: ['Hel', 'lo'],
        toolCalls: [
          { id: 'call_a', name: 'lookup', arguments: ['{"q":', '"x"}'] },
          { name: 'send', arguments: '{}' },
        ],
        usage: { inputTokens: 12, outputTokens: 7, cachedInputTokens: 4, reasoningTokens: 2 },
      }),
    )
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    )
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta))
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe('Hello')
    const fragments = deltas.flatMap((delta) => delta.tool_calls ?? [])
    expect(fragments.filter((f) => f.id).map((f) => [f.index, f.id, f.function?.name])).toEqual([
      [0, 'call_a', 'lookup'],
      [1, 'call_0_1', 'send'],
    ])
    expect(
      fragments
        .filter((f) => f.index === 0)
        .map((f) => f.function?.arguments ?? '')
        .join(''),
    ).toBe('{"q":"x"}')
    expect(chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason)).filter(Boolean)).toEqual([
      'tool_calls',
    ])
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    })
    const [request] = await wire.requests()
    expect(request).toMatchObject({
      index: 0,
      method: 'POST',
      path: '/v1/chat/completions',
      reply: 'turn',
      body: { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true },
    })
    expect(request?.headers.authorization).toBe('Bearer sk-test')
  })

  it('leaves usage out of a stream that did not ask for it, and sends no call id when told to', async () => {
    await wire.script(
      turn({
        toolCalls: [{ id: null, name: 'send', arguments: '{}' }],
        usage: { inputTokens: 1, outputTokens: 1 },
      }),
    )
    const chunks = await collect(
      await client.chat.completions.create({ model: 'm', messages: [], stream: true }),
    )
    expect(chunks.some((chunk) => chunk.usage)).toBe(false)
    const fragments = chunks.flatMap((chunk) => chunk.choices.flatMap((c) => c.delta.tool_calls ?? []))
    expect(fragments.some((f) => f.id !== undefined)).toBe(false)
  })

  it('answers a request without `stream` with one chat.completion object', async () => {
    await wire.script(
      turn({
        text: 'Done.',
        toolCalls: [{ id: 'c1', name: 'x', arguments: '{"a":1}' }],
        usage: { inputTokens: 3, outputTokens: 2 },
      }),
    )
    const completion = await client.chat.completions.create({ model: 'm', messages: [] })
    expect(completion.choices[0]?.message).toMatchObject({
      content: 'Done.',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'x', arguments: '{"a":1}' } }],
    })
    expect(completion.usage?.total_tokens).toBe(5)
  })
})

describe('Responses', () => {
  it('streams the lifecycle, message and function_call items, argument deltas and response.completed with usage', async () => {
    await wire.script(
      turn({
        text: ['a', 'b'],
        toolCalls: [{ id: 'call_z', name: 'lookup', arguments: ['{"q"', ':1}'] }],
        usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 1 },
      }),
    )
    const events = await collect(
      await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true }),
    )
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, n) => n))
    expect(events[9]).toMatchObject({ item: { type: 'function_call', call_id: 'call_z', name: 'lookup' } })
    expect(events[12]).toMatchObject({ arguments: '{"q":1}', item_id: 'fc_0_0' })
    const completed = events.at(-1)
    expect(completed?.type === 'response.completed' && completed.response.usage).toMatchObject({
      input_tokens: 9,
      output_tokens: 4,
      input_tokens_details: { cached_tokens: 1 },
    })
    expect((await wire.requests())[0]).toMatchObject({
      path: '/v1/responses',
      body: { input: 'hi', stream: true },
    })
  })

  it('ends a stream with response.failed for a streamError', async () => {
    await wire.script(turn({ text: 'x', streamError: { code: 'server_error', message: 'boom' } }))
    const events = await collect(await client.responses.create({ model: 'm', input: 'hi', stream: true }))
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'server_error', message: 'boom' } },
    })
  })
})

describe('faults', () => {
  it('answers an error reply with its status and OpenAI error body, which the SDK retries', async () => {
    await wire.script(
      apiError(429, { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' }),
      apiError(429, { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' }),
    )
    const error = await client.chat.completions
      .create({ model: 'm', messages: [] }, { maxRetries: 1 })
      .catch((cause: unknown) => cause)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: '429 Slow down' })
    expect(await wire.requests()).toHaveLength(2)
  })

  it('cuts a stream: the SDK sees the connection end mid-stream', async () => {
    await wire.script(turn({ text: ['a', 'b', 'c'], cutAfter: 2 }))
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true })
    await expect(collect(stream)).rejects.toThrow()
    expect((await wire.waitForClose(0)).closedByClient).toBe(false)
  })

  it('sends malformed data: the SDK fails to parse it', async () => {
    await wire.script(turn({ text: ['a', 'b'], malformedAfter: 2 }))
    const stream = await client.responses.create({ model: 'm', input: 'x', stream: true })
    await expect(collect(stream)).rejects.toThrow(SyntaxError)
  })

  it('holds a stream open until the client aborts, and records that the client closed it', async () => {
    await wire.script(turn({ text: ['a', 'b'], holdAfter: 2 }))
    const controller = new AbortController()
    const stream = await client.chat.completions.create(
      { model: 'm', messages: [], stream: true },
      { signal: controller.signal },
    )
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content === 'a') controller.abort()
    }
    expect(await wire.waitForClose(0)).toMatchObject({ closed: true, closedByClient: true })
  })

  it('delays the headers past the client timeout', async () => {
    await wire.script(turn({ text: 'late', delayMs: 5_000 }))
    const error = await client.chat.completions
      .create({ model: 'm', messages: [] }, { timeout: 50 })
      .catch((cause: unknown) => cause)
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError)
    expect((await wire.waitForClose(0)).closedByClient).toBe(true)
  })

  it('answers a request with no scripted reply left with a 400, and counts pending replies', async () => {
    await wire.script(turn({ text: 'one' }), turn({ text: 'two' }))
    await client.chat.completions.create({ model: 'm', messages: [] })
    expect(await wire.pending()).toBe(1)
    await client.chat.completions.create({ model: 'm', messages: [] })
    const error = await client.chat.completions
      .create({ model: 'm', messages: [] })
      .catch((cause: unknown) => cause)
    expect(error).toMatchObject({ status: 400, code: 'unscripted' })
    expect((await wire.requests()).map((request) => request.reply)).toEqual(['turn', 'turn', 'unscripted'])
  })

  it('sends raw bytes as given', async () => {
    await wire.script({
      type: 'raw',
      body: [
        'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"raw"},"finish_reason":"stop"}]}\n\n',
        'data: [DONE]\n\n',
      ],
    })
    const chunks = await collect(
      await client.chat.completions.create({ model: 'm', messages: [], stream: true }),
    )
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(['raw'])
  })
})
