import { Agent, MemoryStore, type ResolutionInput, Resolutions, type RunStore, Tool } from '@countersign/core'
import { apiError, turn } from '@countersign/openai-wire'
import { Schema } from 'effect'
import { afterEach, describe, expect, it } from 'vitest'
import { AiSdkModel } from '../src/index.js'
import { bodyOf, openai, useWire } from './wire.js'

const wire = useWire()

const instructions = 'You help customers with their orders.'
const question = 'My teapot arrived broken, can I get my money back?'

const agents: Array<Agent> = []
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.dispose()))
})

/** A support agent on `store` whose model is `@ai-sdk/openai`'s Chat Completions model, over the wire. */
const supportAgent = (store: RunStore, flags: Tool.HitlFlags, refunds: Array<unknown> = []) => {
  const agent = new Agent({
    id: 'support',
    instructions,
    model: AiSdkModel.make(openai(wire.current).chat('gpt-test')),
    tools: [
      Tool.make({
        name: 'refund_payment',
        description: 'Refund an order to the card it was paid with',
        parameters: Schema.Struct({ orderId: Schema.String, amount: Schema.Number }),
        ...flags,
        execute: (args) => {
          refunds.push(args)
          return { refunded: args.amount, orderId: args.orderId }
        },
      }),
    ],
    store,
  })
  agents.push(agent)
  return agent
}

const refundCall = (args: string | ReadonlyArray<string>) => ({
  id: 'call_refund_1',
  name: 'refund_payment',
  arguments: args,
})

/**
 * The model calls `refund_payment` with `modelArgs`; the run pauses; a fresh agent on the same store
 * resumes it with `resolve`'s answer. Returns the run's end, the refunds made, and the tool message
 * the model was sent in its second request.
 */
const pauseThenResume = async (
  flags: Tool.HitlFlags,
  modelArgs: string,
  resolve: (requirementId: string) => ResolutionInput,
) => {
  const store = MemoryStore.make()
  const refunds: Array<unknown> = []
  await wire.current.script(turn({ toolCalls: [refundCall(modelArgs)] }), turn({ text: 'Done.' }))
  const paused = await supportAgent(store, flags).run(question)
  const output = await supportAgent(store, flags, refunds).continueRun({
    runId: paused.runId,
    resolutions: [resolve(paused.activeRequirements[0]!.id)],
  })
  const messages = bodyOf((await wire.current.requests())[1]).messages as ReadonlyArray<{ role: string }>
  return { output, refunds, toolMessage: messages.find((message) => message.role === 'tool') }
}

describe('an agent on an AI SDK provider model, over the wire', () => {
  it('loses no progress when the model fails on the turn after the tool: paused, then taken up again, the refund made once', async () => {
    const store = MemoryStore.make()
    const refunds: Array<unknown> = []
    await wire.current.script(
      turn({ toolCalls: [refundCall('{"orderId":"A-1","amount":25}')] }),
      apiError(503, { message: 'The engine is currently overloaded', type: 'server_error' }),
      turn({ text: 'Refunded.' }),
    )
    const paused = await supportAgent(store, { requiresConfirmation: true }, refunds).run(question)
    const failed = await supportAgent(store, { requiresConfirmation: true }, refunds).continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(paused.activeRequirements[0]!.id)],
    })
    expect(failed.status).toBe('paused')
    const [failure] = failed.activeRequirements
    expect(failure).toMatchObject({ kind: 'model_failure', request: { status: 503 } })
    const done = await supportAgent(store, { requiresConfirmation: true }, refunds).continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(failure!.id)],
    })
    expect(done).toMatchObject({ status: 'completed', content: 'Refunded.' })
    expect(refunds).toEqual([{ orderId: 'A-1', amount: 25 }])
    const [, failedTurn, retried] = await wire.current.requests()
    expect(bodyOf(retried)).toEqual(bodyOf(failedTurn))
  })

  it('pauses on a confirmation; a fresh agent on the same store resumes it and the run completes', async () => {
    const store = MemoryStore.make()
    const refunds: Array<unknown> = []
    await wire.current.script(
      turn({
        text: ['Let me ', 'refund that.'],
        toolCalls: [refundCall(['{"orderId":', '"A-1001","amount"', ':42.5}'])],
        usage: { inputTokens: 50, outputTokens: 12, cachedInputTokens: 20 },
      }),
      turn({
        text: ['Your refund of $42.50 ', 'is on its way.'],
        usage: { inputTokens: 80, outputTokens: 9, reasoningTokens: 3 },
      }),
    )

    const paused = await supportAgent(store, { requiresConfirmation: true }).run(question)
    expect(paused.status).toBe('paused')
    const [requirement] = paused.activeRequirements
    expect(requirement?.toolCall).toEqual({
      id: 'call_refund_1',
      name: 'refund_payment',
      args: { orderId: 'A-1001', amount: 42.5 },
    })
    expect(refunds).toEqual([])

    const output = await supportAgent(store, { requiresConfirmation: true }, refunds).continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(requirement!.id)],
    })

    expect(output.status).toBe('completed')
    expect(output.content).toBe('Your refund of $42.50 is on its way.')
    expect(refunds).toEqual([{ orderId: 'A-1001', amount: 42.5 }])
    expect(output.usage).toEqual({
      inputTokens: 130,
      outputTokens: 21,
      cachedInputTokens: 20,
      reasoningTokens: 3,
    })

    const [first, second] = await wire.current.requests()
    expect(first?.path).toBe('/v1/chat/completions')
    expect(bodyOf(first)).toMatchObject({
      model: 'gpt-test',
      stream: true,
      messages: [
        { role: 'system', content: instructions },
        { role: 'user', content: question },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'refund_payment',
            description: 'Refund an order to the card it was paid with',
            parameters: {
              type: 'object',
              properties: { orderId: { type: 'string' }, amount: { type: 'number' } },
              required: ['orderId', 'amount'],
            },
          },
        },
      ],
    })
    expect(bodyOf(second).messages).toEqual([
      { role: 'system', content: instructions },
      { role: 'user', content: question },
      {
        role: 'assistant',
        content: 'Let me refund that.',
        tool_calls: [
          {
            id: 'call_refund_1',
            type: 'function',
            function: { name: 'refund_payment', arguments: '{"orderId":"A-1001","amount":42.5}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_refund_1', content: '{"refunded":42.5,"orderId":"A-1001"}' },
    ])
  })

  it("tells the model a person's note when they reject the call", async () => {
    const { output, refunds, toolMessage } = await pauseThenResume(
      { requiresConfirmation: true },
      '{"orderId":"A-1001","amount":42.5}',
      (requirementId) => Resolutions.reject(requirementId, 'Send a replacement instead'),
    )

    expect(output.status).toBe('completed')
    expect(refunds).toEqual([])
    expect(toolMessage).toEqual({
      role: 'tool',
      tool_call_id: 'call_refund_1',
      content: 'Send a replacement instead',
    })
  })

  it('tells the model the arguments a person filled in', async () => {
    const { output, refunds, toolMessage } = await pauseThenResume(
      { userInputFields: ['amount'] },
      '{"orderId":"A-1001"}',
      (requirementId) => Resolutions.userInput(requirementId, { amount: 40 }),
    )

    expect(bodyOf((await wire.current.requests())[0]).tools).toMatchObject([
      { function: { parameters: { properties: { orderId: { type: 'string' } }, required: ['orderId'] } } },
    ])
    expect(output.status).toBe('completed')
    expect(refunds).toEqual([{ orderId: 'A-1001', amount: 40 }])
    expect(toolMessage).toEqual({
      role: 'tool',
      tool_call_id: 'call_refund_1',
      content:
        '{"refunded":40,"orderId":"A-1001"}\n\n(The call ran with arguments a person filled in: {"orderId":"A-1001","amount":40})',
    })
  })

  it('gives the model the result of a call carried out elsewhere', async () => {
    const { output, refunds, toolMessage } = await pauseThenResume(
      { externalExecution: true },
      '{"orderId":"A-1001","amount":42.5}',
      (requirementId) => Resolutions.externalResult(requirementId, { bankReference: 'ZX-9' }),
    )

    expect(output.status).toBe('completed')
    expect(refunds).toEqual([])
    expect(toolMessage).toEqual({
      role: 'tool',
      tool_call_id: 'call_refund_1',
      content: '{"bankReference":"ZX-9"}',
    })
  })
})
