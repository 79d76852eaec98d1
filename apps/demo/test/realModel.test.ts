import { startOpenAIWire, turn } from '@countersign/openai-wire'
import { describe, expect, it } from 'vitest'
import { startDemo, tempDatabase } from './demoProcess.js'

/*
 * The demo on a real model: with OPENAI_BASE_URL set it runs its agents on the OpenAI-compatible
 * server there (a local wire-format server here, scripted as a model that uses the demo's tools),
 * says so on its first line, and what the model asks for pauses for people as the scripts do.
 */

describe('the demo on a real model', () => {
  it('runs its agents on the server at OPENAI_BASE_URL, says which model first, and gates what the model asks for', async () => {
    const wire = await startOpenAIWire()
    const database = tempDatabase()
    try {
      // The seed runs, in order: a refund (over the limit: an approval), then an email (a confirmation).
      await wire.script(
        turn({
          text: 'Refunding $250 to customer C-1042.',
          toolCalls: [
            { id: 'call_refund', name: 'process_refund', arguments: '{"customerId":"C-1042","amount":250}' },
          ],
        }),
        turn({
          toolCalls: [
            {
              id: 'call_email',
              name: 'send_customer_email',
              arguments: JSON.stringify({
                customerId: 'C-1042',
                subject: 'Your teapot',
                body: 'It ships on Monday.',
              }),
            },
          ],
        }),
      )
      const demo = await startDemo(
        { COUNTERSIGN_DB: database.path },
        { OPENAI_BASE_URL: wire.baseURL, COUNTERSIGN_MODEL: 'gpt-test' },
      )
      try {
        expect(demo.stdout().split('\n')[0]).toBe(
          `[model] gpt-test over the Chat Completions API at ${wire.baseURL}`,
        )
        const { approvals } = await demo.client('demo-approver').approvals.list({ status: 'pending' })
        expect(approvals.map(({ toolName, toolArgs }) => [toolName, toolArgs])).toStrictEqual([
          ['process_refund', { customerId: 'C-1042', amount: 250 }],
        ])
        const awaiting = await demo.client('demo-user').runs.awaitingMe()
        expect(awaiting.map(({ kind, toolCall }) => [kind, toolCall.name, toolCall.args])).toContainEqual([
          'confirmation',
          'send_customer_email',
          { customerId: 'C-1042', subject: 'Your teapot', body: 'It ships on Monday.' },
        ])

        const [refund, email] = await wire.requests()
        expect(refund).toMatchObject({
          path: '/v1/chat/completions',
          body: { model: 'gpt-test', stream: true },
        })
        const messages = (refund!.body as { messages: Array<{ role: string; content: string }> }).messages
        expect(messages[0]).toMatchObject({ role: 'system' })
        expect(messages[0]!.content).toContain('call process_refund')
        expect(messages[1]?.role).toBe('user')
        expect(messages[1]?.content).toContain('Refund $250 to customer C-1042')
        const tools = (email!.body as { tools: Array<{ function: { name: string } }> }).tools
        expect(tools.map((tool) => tool.function.name)).toStrictEqual(['send_customer_email'])
      } finally {
        await demo.stop()
      }
    } finally {
      await wire.close()
      database.remove()
    }
  }, 60_000)
})
