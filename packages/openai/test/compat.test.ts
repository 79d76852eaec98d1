/**
 * OpenAI-compatible servers (Ollama, vLLM, LM Studio, OpenRouter) through `api: 'chat'`: their usual
 * differences from OpenAI are tolerated, and none can give a run the same call id twice.
 */
import type { Model } from '@countersign/core'
import { startOpenAIWire, turn, type OpenAIWire } from '@countersign/openai-wire'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { model } from './fixtures.js'
import { ask, chunksOf } from './turns.js'

let wire: OpenAIWire
beforeAll(async () => {
  wire = await startOpenAIWire()
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const calls = (chunks: ReadonlyArray<Model.ModelChunk>) =>
  chunks.flatMap((chunk) => (chunk._tag === 'ToolCall' ? [chunk.call] : []))

/** A raw Chat Completions stream of these deltas, then a finish and `[DONE]`. */
const rawChat = (...deltas: ReadonlyArray<object>) => ({
  type: 'raw' as const,
  body: [
    ...deltas.map(
      (delta) =>
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`,
    ),
    `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\n`,
    'data: [DONE]\n\n',
  ],
})

describe('an OpenAI-compatible server', () => {
  it('that sends no usage: the turn has none', async () => {
    await wire.script(turn({ text: 'Hi.' }))

    const chunks = await chunksOf(model(wire.baseURL, 'chat'), ask('hi'))

    expect(chunks).toEqual([{ _tag: 'TextDelta', text: 'Hi.' }])
  })

  it('that sends text and tool calls in one turn: both come through', async () => {
    await wire.script(
      turn({
        text: ['Let me ', 'look.'],
        toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{"name":"Ada"}' }],
      }),
    )

    const chunks = await chunksOf(model(wire.baseURL, 'chat'), ask('hi'))

    expect(chunks).toEqual([
      { _tag: 'TextDelta', text: 'Let me ' },
      { _tag: 'TextDelta', text: 'look.' },
      { _tag: 'ToolCall', call: { id: 'c1', name: 'lookup', args: { name: 'Ada' } } },
    ])
  })

  it('that sends no call ids: each call gets a fresh one of its own', async () => {
    await wire.script(
      turn({
        toolCalls: [
          { id: null, name: 'lookup', arguments: '{"name":"Ada"}' },
          { id: null, name: 'lookup', arguments: '{"name":"Bob"}' },
        ],
      }),
    )

    const [first, second] = calls(await chunksOf(model(wire.baseURL, 'chat'), ask('hi')))

    expect(first?.id).toMatch(/^call_\w+$/)
    expect(second?.id).toMatch(/^call_\w+$/)
    expect(first?.id).not.toBe(second?.id)
    expect([first?.args, second?.args]).toEqual([{ name: 'Ada' }, { name: 'Bob' }])
  })

  it('that reuses call ids, within a turn and across turns: the run never gets one twice', async () => {
    await wire.script(
      turn({
        toolCalls: [
          { id: 'call_0', name: 'lookup', arguments: '{"name":"Ada"}' },
          { id: 'call_1', name: 'lookup', arguments: '{"name":"Bob"}' },
        ],
      }),
    )
    const earlier: Model.ModelRequest = {
      ...ask('hi'),
      messages: [
        { _tag: 'User', content: 'hi' },
        {
          _tag: 'Assistant',
          content: '',
          toolCalls: [{ id: 'call_0', name: 'lookup', args: { name: 'Zed' } }],
        },
        { _tag: 'Tool', toolCallId: 'call_0', toolName: 'lookup', outcome: 'completed', content: 'x' },
      ],
    }

    const [first, second] = calls(await chunksOf(model(wire.baseURL, 'chat'), earlier))

    expect(first?.id).not.toBe('call_0')
    expect(second?.id).toBe('call_1')
  })

  it('that puts every call at index 0 with its own id: they stay apart', async () => {
    await wire.script(
      rawChat(
        {
          tool_calls: [
            {
              index: 0,
              id: 'a',
              type: 'function',
              function: { name: 'lookup', arguments: '{"name":"Ada"}' },
            },
          ],
        },
        {
          tool_calls: [
            {
              index: 0,
              id: 'b',
              type: 'function',
              function: { name: 'lookup', arguments: '{"name":"Bob"}' },
            },
          ],
        },
      ),
    )

    const found = calls(await chunksOf(model(wire.baseURL, 'chat'), ask('hi')))

    expect(found).toEqual([
      { id: 'a', name: 'lookup', args: { name: 'Ada' } },
      { id: 'b', name: 'lookup', args: { name: 'Bob' } },
    ])
  })

  it('that sends no index: a new name starts a new call, fragments continue the last', async () => {
    await wire.script(
      rawChat(
        { tool_calls: [{ id: 'a', type: 'function', function: { name: 'lookup', arguments: '{"name":' } }] },
        { tool_calls: [{ function: { arguments: '"Ada"}' } }] },
        { tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '' } }] },
      ),
    )

    const found = calls(await chunksOf(model(wire.baseURL, 'chat'), ask('hi')))

    expect(found).toHaveLength(2)
    expect(found[0]).toEqual({ id: 'a', name: 'lookup', args: { name: 'Ada' } })
    // Empty arguments (a tool without parameters, as some servers send it) are no arguments.
    expect(found[1]).toMatchObject({ name: 'lookup', args: {} })
  })
})
