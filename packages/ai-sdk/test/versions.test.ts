import { createOpenAI as createOpenAIV3 } from '@ai-sdk/openai'
import { createOpenAI as createOpenAIV2 } from '@ai-sdk/openai-v2'
import type { LanguageModelV4, LanguageModelV4Prompt, LanguageModelV4StreamPart } from '@ai-sdk/provider-v4'
import { DefinitionError, type Model } from '@countersign/core'
import { turn } from '@countersign/openai-wire'
import { Chunk, Effect, Stream } from 'effect'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { AiSdkModel } from '../src/index.js'
import type { Prompt, DeniedV3 } from '../src/internal/prompt.js'
import type { StreamPart } from '../src/internal/streamParts.js'
import { bodyOf, useWire } from './wire.js'

const wire = useWire()

/** A transcript with every way a tool call can end. */
const request: Model.ModelRequest = {
  instructions: 'You help customers with their orders.',
  messages: [
    { _tag: 'User', content: 'Refund A-1 and B-2, ship C-3, and check D-4.' },
    {
      _tag: 'Assistant',
      content: 'On it.',
      toolCalls: [
        { id: 'call_1', name: 'refund_payment', args: { orderId: 'A-1' } },
        { id: 'call_2', name: 'refund_payment', args: { orderId: 'B-2' } },
        { id: 'call_3', name: 'ship_order', args: { orderId: 'C-3' } },
        { id: 'call_4', name: 'check_order', args: { orderId: 'D-4' } },
      ],
    },
    {
      _tag: 'Tool',
      toolCallId: 'call_1',
      toolName: 'refund_payment',
      outcome: 'completed',
      content: '{"refunded":40}',
      args: { orderId: 'A-1', amount: 40 },
      result: { refunded: 40 },
    },
    {
      _tag: 'Tool',
      toolCallId: 'call_2',
      toolName: 'refund_payment',
      outcome: 'skipped',
      content: 'Not this one.',
    },
    { _tag: 'Tool', toolCallId: 'call_3', toolName: 'ship_order', outcome: 'external', content: '"shipped"' },
    {
      _tag: 'Tool',
      toolCallId: 'call_4',
      toolName: 'check_order',
      outcome: 'failed',
      content: 'Error: no such order',
    },
  ],
  tools: [],
}

const expectedMessages = [
  { role: 'system', content: 'You help customers with their orders.' },
  { role: 'user', content: 'Refund A-1 and B-2, ship C-3, and check D-4.' },
  {
    role: 'assistant',
    content: 'On it.',
    tool_calls: [
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'refund_payment', arguments: '{"orderId":"A-1"}' },
      },
      {
        id: 'call_2',
        type: 'function',
        function: { name: 'refund_payment', arguments: '{"orderId":"B-2"}' },
      },
      { id: 'call_3', type: 'function', function: { name: 'ship_order', arguments: '{"orderId":"C-3"}' } },
      { id: 'call_4', type: 'function', function: { name: 'check_order', arguments: '{"orderId":"D-4"}' } },
    ],
  },
  {
    role: 'tool',
    tool_call_id: 'call_1',
    content:
      '{"refunded":40}\n\n(The call ran with arguments a person filled in: {"orderId":"A-1","amount":40})',
  },
  { role: 'tool', tool_call_id: 'call_2', content: 'Not this one.' },
  { role: 'tool', tool_call_id: 'call_3', content: '"shipped"' },
  { role: 'tool', tool_call_id: 'call_4', content: 'Error: no such order' },
]

const providers = [
  {
    spec: 'v2',
    make: () => createOpenAIV2({ apiKey: 'test-key', baseURL: wire.current.baseURL }).chat('gpt-test'),
  },
  {
    spec: 'v3',
    make: () => createOpenAIV3({ apiKey: 'test-key', baseURL: wire.current.baseURL }).chat('gpt-test'),
  },
] as const

describe.each(providers)('a provider of specification $spec', ({ spec, make }) => {
  it('is given every tool outcome as a result for its call id, and its usage is read', async () => {
    const languageModel = make()
    expect(languageModel.specificationVersion).toBe(spec)
    await wire.current.script(
      turn({
        text: ['Done', '.'],
        usage: { inputTokens: 90, outputTokens: 2, cachedInputTokens: 64, reasoningTokens: 1 },
      }),
    )

    const chunks = await Effect.runPromise(Stream.runCollect(AiSdkModel.make(languageModel).stream(request)))

    expect(Chunk.toArray(chunks)).toEqual([
      { _tag: 'TextDelta', text: 'Done' },
      { _tag: 'TextDelta', text: '.' },
      {
        _tag: 'Usage',
        usage: { inputTokens: 90, outputTokens: 2, cachedInputTokens: 64, reasoningTokens: 1 },
      },
    ])
    expect(bodyOf((await wire.current.requests())[0]).messages).toEqual(expectedMessages)
  })
})

describe('specification v4 (providers on Node 22)', () => {
  it('accepts a v4 model, and the parts it reads and the prompt it writes have the v4 shapes', () => {
    expectTypeOf<LanguageModelV4>().toMatchTypeOf<AiSdkModel.LanguageModel>()
    expectTypeOf<LanguageModelV4StreamPart>().toMatchTypeOf<StreamPart>()
    expectTypeOf<Prompt<DeniedV3>>().toMatchTypeOf<LanguageModelV4Prompt>()
  })
})

describe('what the adapter refuses', () => {
  const languageModel = () =>
    createOpenAIV3({ apiKey: 'test-key', baseURL: wire.current.baseURL }).chat('gpt-test')

  it('refuses a model of a specification version it does not speak', () => {
    const v1 = { ...languageModel(), specificationVersion: 'v1', provider: 'old', modelId: 'm' }

    expect(() => AiSdkModel.make(v1 as unknown as AiSdkModel.LanguageModel)).toThrow(DefinitionError)
    expect(() => AiSdkModel.make(v1 as unknown as AiSdkModel.LanguageModel)).toThrow(
      /specification version v1 is not supported/,
    )
  })

  it.each([0, -1, 1.5, Infinity, 2 ** 31])('refuses a timeout of %s ms', (timeoutMs) => {
    expect(() => AiSdkModel.make(languageModel(), { timeoutMs })).toThrow(DefinitionError)
  })
})
