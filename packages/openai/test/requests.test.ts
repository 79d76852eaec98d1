/**
 * What each API is sent: the transcript mapped faithfully (instructions, user messages, assistant text with
 * its tool calls, every tool outcome under its call id), the tool schemas, and every setting.
 */
import type { Model } from '@countersign/core'
import { startOpenAIWire, turn, type OpenAIWire } from '@countersign/openai-wire'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { OpenAIModel } from '../src/index.js'
import { ask, chunksOf } from './turns.js'

let wire: OpenAIWire
beforeAll(async () => {
  wire = await startOpenAIWire()
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const payParameters = {
  type: 'object',
  properties: { to: { type: 'string' }, amount: { type: 'number' } },
  required: ['to', 'amount'],
} as const

/** A transcript with every kind of entry and every tool outcome. */
const transcript: Model.ModelRequest = {
  instructions: 'You move money carefully.',
  tools: [{ name: 'pay', description: 'Pay someone', parameters: payParameters }],
  messages: [
    { _tag: 'User', content: 'Pay Ada and Bob' },
    {
      _tag: 'Assistant',
      content: 'On it.',
      toolCalls: [
        { id: 'c_done', name: 'pay', args: { to: 'Ada', amount: 5 } },
        { id: 'c_skip', name: 'pay', args: { to: 'Bob', amount: 900 } },
        { id: 'c_form', name: 'transfer', args: { account: 'a-1' } },
        { id: 'c_ext', name: 'ship', args: { orderId: 'o-1' } },
        { id: 'c_fail', name: 'lookup', args: { name: 'Zed' } },
      ],
    },
    {
      _tag: 'Tool',
      toolCallId: 'c_done',
      toolName: 'pay',
      outcome: 'completed',
      content: 'paid 5 to Ada',
      result: 'paid 5 to Ada',
    },
    {
      _tag: 'Tool',
      toolCallId: 'c_skip',
      toolName: 'pay',
      outcome: 'skipped',
      content: 'Too much for one payment.',
    },
    {
      _tag: 'Tool',
      toolCallId: 'c_form',
      toolName: 'transfer',
      outcome: 'completed',
      content: 'moved 3',
      args: { account: 'a-1', amount: 3 },
    },
    {
      _tag: 'Tool',
      toolCallId: 'c_ext',
      toolName: 'ship',
      outcome: 'external',
      content: '{"tracking":"T-1"}',
      result: { tracking: 'T-1' },
    },
    {
      _tag: 'Tool',
      toolCallId: 'c_fail',
      toolName: 'lookup',
      outcome: 'failed',
      content: 'Error: no account named Zed',
    },
    { _tag: 'Assistant', content: '', toolCalls: [{ id: 'c_empty', name: 'lookup', args: {} }] },
    { _tag: 'Tool', toolCallId: 'c_empty', toolName: 'lookup', outcome: 'completed', content: '' },
    { _tag: 'Assistant', content: 'Done.', toolCalls: [] },
    { _tag: 'User', content: 'Thanks' },
  ],
}

const filledIn =
  'The call ran with these arguments, which a person filled in: {"account":"a-1","amount":3}\n\nmoved 3'

const settings = {
  temperature: 0.2,
  maxOutputTokens: 300,
  parallelToolCalls: false,
  toolChoice: { name: 'pay' },
  reasoningEffort: 'low',
  headers: { 'x-team': 'payments' },
  query: { 'api-version': '2' },
} as const

const bodyOf = async (index = 0) => (await wire.requests())[index]

describe('Chat Completions requests', () => {
  it('send the system instructions, the transcript by call id, the tool schemas and the settings', async () => {
    await wire.script(turn({ text: 'ok' }))
    const model = OpenAIModel.make({
      model: 'gpt-test',
      api: 'chat',
      apiKey: 'sk-test',
      baseURL: wire.baseURL,
      ...settings,
    })

    await chunksOf(model, transcript)

    const request = await bodyOf()
    expect(request?.path).toBe('/v1/chat/completions?api-version=2')
    expect(request?.headers['x-team']).toBe('payments')
    expect(request?.body).toEqual({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_completion_tokens: 300,
      reasoning_effort: 'low',
      parallel_tool_calls: false,
      tool_choice: { type: 'function', function: { name: 'pay' } },
      tools: [
        {
          type: 'function',
          function: { name: 'pay', description: 'Pay someone', parameters: payParameters },
        },
      ],
      messages: [
        { role: 'system', content: 'You move money carefully.' },
        { role: 'user', content: 'Pay Ada and Bob' },
        {
          role: 'assistant',
          content: 'On it.',
          tool_calls: [
            {
              id: 'c_done',
              type: 'function',
              function: { name: 'pay', arguments: '{"to":"Ada","amount":5}' },
            },
            {
              id: 'c_skip',
              type: 'function',
              function: { name: 'pay', arguments: '{"to":"Bob","amount":900}' },
            },
            {
              id: 'c_form',
              type: 'function',
              function: { name: 'transfer', arguments: '{"account":"a-1"}' },
            },
            { id: 'c_ext', type: 'function', function: { name: 'ship', arguments: '{"orderId":"o-1"}' } },
            { id: 'c_fail', type: 'function', function: { name: 'lookup', arguments: '{"name":"Zed"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c_done', content: 'paid 5 to Ada' },
        { role: 'tool', tool_call_id: 'c_skip', content: 'Too much for one payment.' },
        { role: 'tool', tool_call_id: 'c_form', content: filledIn },
        { role: 'tool', tool_call_id: 'c_ext', content: '{"tracking":"T-1"}' },
        { role: 'tool', tool_call_id: 'c_fail', content: 'Error: no account named Zed' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c_empty', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c_empty', content: '' },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: 'Thanks' },
      ],
    })
  })

  it('leave out the system message without instructions, and tool settings without tools', async () => {
    await wire.script(turn({ text: 'ok' }))
    const model = OpenAIModel.make({
      model: 'm',
      api: 'chat',
      apiKey: 'k',
      baseURL: wire.baseURL,
      parallelToolCalls: true,
      toolChoice: 'required',
    })

    await chunksOf(model, ask('hi'))

    expect((await bodyOf())?.body).toEqual({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    })
  })
})

describe('Responses requests', () => {
  it('send the instructions, the transcript as input items by call_id, the tool schemas and the settings', async () => {
    await wire.script(turn({ text: 'ok' }))
    const model = OpenAIModel.make({
      model: 'gpt-test',
      apiKey: 'sk-test',
      baseURL: wire.baseURL,
      store: false,
      ...settings,
    })

    await chunksOf(model, transcript)

    const request = await bodyOf()
    expect(request?.path).toBe('/v1/responses?api-version=2')
    expect(request?.headers['x-team']).toBe('payments')
    expect(request?.body).toEqual({
      model: 'gpt-test',
      stream: true,
      store: false,
      instructions: 'You move money carefully.',
      temperature: 0.2,
      max_output_tokens: 300,
      reasoning: { effort: 'low' },
      parallel_tool_calls: false,
      tool_choice: { type: 'function', name: 'pay' },
      tools: [
        {
          type: 'function',
          name: 'pay',
          description: 'Pay someone',
          parameters: payParameters,
          strict: false,
        },
      ],
      input: [
        { role: 'user', content: 'Pay Ada and Bob' },
        { role: 'assistant', content: 'On it.' },
        { type: 'function_call', call_id: 'c_done', name: 'pay', arguments: '{"to":"Ada","amount":5}' },
        { type: 'function_call', call_id: 'c_skip', name: 'pay', arguments: '{"to":"Bob","amount":900}' },
        { type: 'function_call', call_id: 'c_form', name: 'transfer', arguments: '{"account":"a-1"}' },
        { type: 'function_call', call_id: 'c_ext', name: 'ship', arguments: '{"orderId":"o-1"}' },
        { type: 'function_call', call_id: 'c_fail', name: 'lookup', arguments: '{"name":"Zed"}' },
        { type: 'function_call_output', call_id: 'c_done', output: 'paid 5 to Ada' },
        { type: 'function_call_output', call_id: 'c_skip', output: 'Too much for one payment.' },
        { type: 'function_call_output', call_id: 'c_form', output: filledIn },
        { type: 'function_call_output', call_id: 'c_ext', output: '{"tracking":"T-1"}' },
        { type: 'function_call_output', call_id: 'c_fail', output: 'Error: no account named Zed' },
        { type: 'function_call', call_id: 'c_empty', name: 'lookup', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c_empty', output: '' },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: 'Thanks' },
      ],
    })
  })

  it('leave out instructions and tool settings when there are none', async () => {
    await wire.script(turn({ text: 'ok' }))
    const model = OpenAIModel.make({ model: 'm', apiKey: 'k', baseURL: wire.baseURL, toolChoice: 'none' })

    await chunksOf(model, ask('hi'))

    expect((await bodyOf())?.body).toEqual({
      model: 'm',
      stream: true,
      input: [{ role: 'user', content: 'hi' }],
    })
  })
})

describe('the client', () => {
  it('is the app’s own when given, with its base URL and headers', async () => {
    await wire.script(turn({ text: 'ok' }))
    const client = new OpenAI({
      apiKey: 'sk-app',
      baseURL: wire.baseURL,
      defaultHeaders: { 'x-app': 'mine' },
    })
    const model = OpenAIModel.make({ model: 'gpt-test', client })

    await chunksOf(model, ask('hi'))

    const request = await bodyOf()
    expect(request?.headers).toMatchObject({ authorization: 'Bearer sk-app', 'x-app': 'mine' })
  })

  it('is made from the environment when neither client nor key is given', async () => {
    await wire.script(turn({ text: 'ok' }))
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL }
    process.env.OPENAI_API_KEY = 'sk-from-env'
    process.env.OPENAI_BASE_URL = wire.baseURL
    try {
      await chunksOf(OpenAIModel.make({ model: 'gpt-test', api: 'chat' }), ask('hi'))
    } finally {
      for (const [name, value] of [
        ['OPENAI_API_KEY', saved.key],
        ['OPENAI_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }

    expect((await bodyOf())?.headers.authorization).toBe('Bearer sk-from-env')
  })

  it('names the model by its name', () => {
    expect(OpenAIModel.make({ model: 'gpt-4.1-mini', apiKey: 'k' }).id).toBe('gpt-4.1-mini')
  })
})
