import { createAnthropic } from '@ai-sdk/anthropic'
import { Agent, MemoryStore, Resolutions, type RunStore, Tool } from '@countersign/core'
import type { RawReply } from '@countersign/openai-wire'
import { Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { AiSdkModel } from '../src/index.js'
import { bodyOf, useWire } from './wire.js'

const wire = useWire()

/** Anthropic's Messages stream: each event as `event:` and `data:` lines. */
const messagesStream = (
  ...events: ReadonlyArray<{ readonly type: string; readonly [field: string]: unknown }>
): RawReply => ({
  type: 'raw',
  body: events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
})

const message = (usage: object) => ({
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  },
})

const textBlock = (index: number, text: string) => [
  { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
  { type: 'content_block_stop', index },
]

const ending = (stopReason: string, outputTokens: number) => [
  {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  },
  { type: 'message_stop' },
]

const agents: Array<Agent> = []
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.dispose()))
})

const refundAgent = (store: RunStore) => {
  // The wire server answers any path ending in /responses; Anthropic's client adds /messages, here as the query.
  const anthropic = createAnthropic({
    apiKey: 'test-key',
    baseURL: `${wire.current.url}/anthropic/responses?path=`,
  })
  const agent = new Agent({
    id: 'support',
    instructions: 'You help customers with their orders.',
    model: AiSdkModel.make(anthropic('claude-sonnet-4-5')),
    tools: [
      Tool.make({
        name: 'refund_payment',
        description: 'Refund an order to the card it was paid with',
        parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
        requiresConfirmation: true,
        execute: ({ amount }) => ({ refunded: amount }),
      }),
    ],
    store,
  })
  agents.push(agent)
  return agent
}

describe('the documented example: @ai-sdk/anthropic, over the wire', () => {
  it("runs a tool call by Anthropic's id, gives it the person's note, and counts cached tokens", async () => {
    const store = MemoryStore.make()
    await wire.current.script(
      messagesStream(
        message({
          input_tokens: 20,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
        }),
        ...textBlock(0, 'Let me refund that.'),
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_01A', name: 'refund_payment', input: {} },
        },
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '{"orderId":' },
        },
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '"A-1001","amount":42.5}' },
        },
        { type: 'content_block_stop', index: 1 },
        ...ending('tool_use', 30),
      ),
      messagesStream(
        message({
          input_tokens: 40,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
        }),
        ...textBlock(0, 'I will send a replacement.'),
        ...ending('end_turn', 8),
      ),
    )

    const paused = await refundAgent(store).run('My teapot arrived broken.')
    expect(paused.activeRequirements[0]?.toolCall).toEqual({
      id: 'toolu_01A',
      name: 'refund_payment',
      args: { orderId: 'A-1001', amount: 42.5 },
    })
    const output = await refundAgent(store).continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.reject(paused.activeRequirements[0]!.id, 'Send a replacement instead')],
    })

    expect(output.status).toBe('completed')
    expect(output.content).toBe('I will send a replacement.')
    expect(output.usage).toEqual({ inputTokens: 160, outputTokens: 38, cachedInputTokens: 100 })
    const [first, second] = await wire.current.requests()
    expect(first?.path).toBe('/anthropic/responses?path=/messages')
    expect(bodyOf(first)).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      system: [{ type: 'text', text: 'You help customers with their orders.' }],
      tools: [{ name: 'refund_payment', input_schema: { required: ['orderId', 'amount'] } }],
    })
    expect(bodyOf(second).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My teapot arrived broken.' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me refund that.' },
          {
            type: 'tool_use',
            id: 'toolu_01A',
            name: 'refund_payment',
            input: { orderId: 'A-1001', amount: 42.5 },
          },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'Send a replacement instead' }],
      },
    ])
  })
})
