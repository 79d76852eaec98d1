import { describe, expect, it } from 'vitest'
import { defineAgent, MemoryStore, ScriptedModel, Team } from '../src/index.js'
import { makeLedger, weatherTool } from './fixtures.js'

describe('team smoke', () => {
  it('pauses for a member and resumes', async () => {
    const ledger = makeLedger()
    const store = MemoryStore.make()
    const weather = defineAgent({
      id: 'weather-agent',
      name: 'Weather Agent',
      model: ScriptedModel.make([{ toolCalls: [{ name: 'get_the_weather', args: { city: 'Tokyo' } }] }, 'Cloudy in Tokyo.']),
      tools: [weatherTool(ledger, { requiresConfirmation: true })],
    })
    const team = new Team({
      id: 'team',
      model: ScriptedModel.make([
        { toolCalls: [{ name: 'delegate_task_to_member', args: { member_id: 'weather-agent', task: 'Weather in Tokyo?' } }] },
        'The team says: cloudy.',
      ]),
      members: [weather],
      store,
    })
    const paused = await team.run('What is the weather in Tokyo?')
    expect(paused.status).toBe('paused')
    expect(paused.activeRequirements).toHaveLength(1)
    const [req] = paused.activeRequirements
    expect(req!.member?.agentName).toBe('Weather Agent')
    req!.confirm()
    const done = await team.continueRun(paused)
    expect(done.status).toBe('completed')
    expect(done.content).toBe('The team says: cloudy.')
    expect(ledger.count('get_the_weather')).toBe(1)
    const events = await store.readEvents(paused.runId, 0).pipe((e) => import('effect').then(({ Effect }) => Effect.runPromise(e)))
    console.log(events.map((e) => e._tag).join(' '))
    await team.dispose()
  })
})
