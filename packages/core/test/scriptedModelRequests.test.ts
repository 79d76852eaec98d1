import { describe, expect, it } from 'vitest'
import { Agent, ScriptedModel } from '../src/index.js'

describe('ScriptedModel.requests', () => {
  it('keeps the latest requests up to its bound, oldest first, so a long-lived process does not hold every run', async () => {
    const model = ScriptedModel.make(({ messages }) => `answer to ${String(messages.at(-1)?.content)}`, {
      keepRequests: 2,
    })
    const agent = new Agent({ id: 'answerer', model })
    for (const question of ['one', 'two', 'three']) await agent.run(question)

    expect(model.requests.map((request) => request.messages.at(-1)?.content)).toEqual(['two', 'three'])
  })

  it('keeps 100 by default', async () => {
    const model = ScriptedModel.make(() => 'ok')
    const agent = new Agent({ id: 'answerer', model })
    for (let i = 0; i < ScriptedModel.defaultKeepRequests + 5; i++) await agent.run(`question ${i}`)

    expect(model.requests).toHaveLength(100)
    expect(model.requests[0]!.messages.at(-1)?.content).toBe('question 5')
  })
})
