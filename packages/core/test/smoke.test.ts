import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, MemoryStore, ScriptedModel, Tool } from '../src/index.js'

describe('smoke', () => {
  it('pauses and continues', async () => {
    const executed: Array<string> = []
    const deleteFile = Tool.make({
      name: 'delete_file',
      description: 'Delete a file',
      parameters: Schema.Struct({ path: Schema.String }),
      requiresConfirmation: true,
      execute: ({ path }) => {
        executed.push(path)
        return `deleted ${path}`
      },
    })
    const store = MemoryStore.make()
    const model = ScriptedModel.make([{ toolCalls: [{ name: 'delete_file', args: { path: '/tmp/x' } }] }, 'Done, file deleted.'])
    const agent = new Agent({ id: 'files', model, tools: [deleteFile], store })
    const paused = await agent.run('delete /tmp/x')
    expect(paused.status).toBe('paused')
    expect(paused.activeRequirements).toHaveLength(1)
    paused.activeRequirements[0]!.confirm()
    const done = await agent.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('Done, file deleted.')
    expect(executed).toEqual(['/tmp/x'])
    const events = []
    for await (const event of agent.runStream('again')) events.push(event._tag)
    expect(events.at(-1)).toBe('RunPaused')
  })
})
