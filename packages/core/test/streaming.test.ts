import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { type RunEvent } from '../src/index.js'
import { collect, listFilesTool, makeLedger, scriptedAgent, weatherTool } from './fixtures.js'

const tags = (events: ReadonlyArray<RunEvent>) => events.map((event) => event._tag)

describe('streaming a run that pauses and continues', () => {
  const setup = () => {
    const ledger = makeLedger()
    const { agent, store } = scriptedAgent(
      [
        {
          content: 'Let me check.',
          toolCalls: [
            { name: 'list_files', args: {} },
            { name: 'get_the_weather', args: { city: 'Tokyo' } },
          ],
        },
        'It is 70 degrees in Tokyo.',
      ],
      { tools: [listFilesTool(ledger), weatherTool(ledger, { requiresConfirmation: true })] },
    )
    return { agent, store, ledger }
  }

  it('ends the first stream with RunPaused, after the free call ran and before the gated one', async () => {
    const { agent } = setup()
    const events = await collect(agent.runStream('weather in Tokyo?'))
    expect(tags(events)).toEqual([
      'RunStarted',
      'ModelRequestStarted',
      'RunContent',
      'RunContent',
      'RunContent',
      'ModelRequestCompleted',
      'ToolCallStarted',
      'ToolCallCompleted',
      'RunPaused',
    ])
    expect(
      events
        .filter((event) => event._tag === 'RunContent')
        .map((event) => event.delta)
        .join(''),
    ).toBe('Let me check.')
    const paused = events.at(-1)
    expect(
      paused?._tag === 'RunPaused' && paused.requirements.map((requirement) => requirement.toolCall.name),
    ).toEqual(['get_the_weather'])
  })

  it('continues with the decisions, the gated call, then the model, numbering on from the pause', async () => {
    const { agent, ledger } = setup()
    const first = await collect(agent.runStream('weather in Tokyo?'))
    const paused = await agent.getRun(first[0]!.runId)
    paused.activeRequirements[0]!.confirm()
    const rest = await collect(agent.continueRunStream(paused))

    expect(tags(rest)).toEqual([
      'RequirementResolved',
      'RunContinued',
      'ToolCallStarted',
      'ToolCallCompleted',
      'ModelRequestStarted',
      ...Array<string>(6).fill('RunContent'),
      'ModelRequestCompleted',
      'RunCompleted',
    ])
    expect([...first, ...rest].map((event) => event.seq)).toEqual(
      Array.from({ length: first.length + rest.length }, (_, index) => index + 1),
    )
    expect(ledger.calls.map((call) => call.tool)).toEqual(['list_files', 'get_the_weather'])
  })

  it('replays exactly the stored events: every published event was stored first, in the same order', async () => {
    const { agent, store } = setup()
    const first = await collect(agent.runStream('weather in Tokyo?'))
    const runId = first[0]!.runId
    const paused = await agent.getRun(runId)
    paused.activeRequirements[0]!.confirm()
    const rest = await collect(agent.continueRunStream(paused))

    const stored = await Effect.runPromise(store.readEvents(runId, 0))
    expect(stored).toEqual([...first, ...rest])
    expect(await Effect.runPromise(store.readEvents(runId, first.length))).toEqual(rest)
  })

  it('streams only its own run while others run on the same agent', async () => {
    const { agent } = setup()
    const [a, b] = await Promise.all([collect(agent.runStream('one')), collect(agent.runStream('two'))])
    expect(new Set(a.map((event) => event.runId)).size).toBe(1)
    expect(new Set(b.map((event) => event.runId)).size).toBe(1)
    expect(a[0]!.runId).not.toBe(b[0]!.runId)
    expect(tags(a)).toEqual(tags(b))
  })
})
