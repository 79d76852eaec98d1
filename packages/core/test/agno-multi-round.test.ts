/**
 * Agno's `test_multi_round_user_input.py` (study §7, §2.3): one run that pauses again and again.
 * Each round brings new requirements for new tool calls; `requirements` accumulates across
 * rounds and `activeRequirements` shows only what is still open.
 */
import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Tool, type Requirement, type RunOutput, type RunStore, type ScriptedModel } from '../src/index.js'
import {
  collect,
  makeLedger,
  scriptedAgent,
  sendEmailTool,
  single,
  weatherTool,
  type Ledger,
} from './fixtures.js'

const bookTableTool = (ledger: Ledger) =>
  Tool.make({
    name: 'book_table',
    description: 'Book a table at a restaurant',
    parameters: Schema.Struct({ restaurant: Schema.String, time: Schema.String }),
    userInputFields: ['time'],
    execute: (args, ctx) => {
      ledger.record('book_table', args, ctx.idempotencyKey)
      return `Booked ${args.restaurant} at ${args.time}`
    },
  })

/** Three rounds, three kinds: a confirmation, then user input, then an external execution. */
const script: ReadonlyArray<ScriptedModel.Turn> = [
  { toolCalls: [{ name: 'get_the_weather', args: { city: 'Lisbon' } }] },
  { toolCalls: [{ name: 'book_table', args: { restaurant: 'Ramiro' } }] },
  { toolCalls: [{ name: 'send_email', args: { to: 'ana@example.com', subject: 'Dinner', body: 'Ramiro' } }] },
  'Dinner at Ramiro is booked and Ana knows.',
]

const plannerAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(script, {
    tools: [
      weatherTool(ledger, { requiresConfirmation: true }),
      bookTableTool(ledger),
      sendEmailTool(ledger, { externalExecution: true }),
    ],
    ...(store === undefined ? {} : { store }),
  })

/** How the person answers each round's one open requirement. */
const answer = (requirement: Requirement) => {
  switch (requirement.kind) {
    case 'confirmation':
      return requirement.confirm()
    case 'user_input':
      return requirement.provideUserInput({ time: '20:00' })
    case 'external_execution':
      return requirement.setExternalExecutionResult('mailed')
  }
  throw new Error(`unexpected kind ${requirement.kind}`)
}

const expectedRounds = [
  { kind: 'confirmation', toolCallId: 'call_1_1', tool: 'get_the_weather' },
  { kind: 'user_input', toolCallId: 'call_2_1', tool: 'book_table' },
  { kind: 'external_execution', toolCallId: 'call_3_1', tool: 'send_email' },
]

describe('a run that pauses three times', () => {
  it('has one new active requirement per round, accumulates the rest, and completes after the last', async () => {
    const ledger = makeLedger()
    const { agent } = plannerAgent(ledger)
    let output: RunOutput = await agent.run('Plan dinner with Ana')
    const seenIds: Array<string> = []

    for (const [round, expected] of expectedRounds.entries()) {
      expect(output.status).toBe('paused')
      const active = single(output.activeRequirements)
      expect(active).toMatchObject({
        kind: expected.kind,
        toolCall: { id: expected.toolCallId, name: expected.tool },
      })
      expect(seenIds).not.toContain(active.id)
      // Accumulates: every earlier requirement is still listed, in order, and resolved.
      expect(output.requirements.map((requirement) => requirement.id)).toEqual([...seenIds, active.id])
      expect(output.requirements.slice(0, round).every((requirement) => requirement.isResolved)).toBe(true)
      seenIds.push(active.id)

      answer(active)
      output = await agent.continueRun(output)
    }

    expect(output.status).toBe('completed')
    expect(output.content).toBe('Dinner at Ramiro is booked and Ana knows.')
    expect(output.activeRequirements).toEqual([])
    expect(output.requirements.map((requirement) => requirement.id)).toEqual(seenIds)
    expect(output.requirements.every((requirement) => requirement.isResolved)).toBe(true)
    expect(ledger.calls.map((call) => [call.tool, call.args])).toEqual([
      ['get_the_weather', { city: 'Lisbon' }],
      ['book_table', { restaurant: 'Ramiro', time: '20:00' }],
    ])
    expect(output.toolExecutions.map((execution) => execution.status)).toEqual([
      'completed',
      'completed',
      'external',
    ])
  })

  it('ends each round stream with a RunPaused that carries only that round', async () => {
    const { agent } = plannerAgent(makeLedger())
    const firstEvents = await collect(agent.runStream('Plan dinner with Ana'))
    let paused = firstEvents.at(-1)
    const pausedCalls: Array<Array<string>> = []

    while (paused?._tag === 'RunPaused') {
      pausedCalls.push(paused.requirements.map((requirement) => requirement.toolCall.id))
      const output = await agent.getRun(paused.runId)
      answer(single(output.activeRequirements))
      paused = (await collect(agent.continueRunStream(output))).at(-1)
    }

    expect(paused?._tag).toBe('RunCompleted')
    expect(pausedCalls).toEqual([['call_1_1'], ['call_2_1'], ['call_3_1']])
  })

  it('gives the same run when the rounds are continued by different agents on the store', async () => {
    const hot = plannerAgent(makeLedger())
    let hotOutput = await hot.agent.run('Plan dinner with Ana')
    while (hotOutput.isPaused) {
      answer(single(hotOutput.activeRequirements))
      hotOutput = await hot.agent.continueRun(hotOutput)
    }

    const ledger = makeLedger()
    const first = plannerAgent(ledger)
    const second = plannerAgent(ledger, first.store)
    let output = await first.agent.run('Plan dinner with Ana')
    for (const agent of [second.agent, first.agent, second.agent]) {
      const reloaded = await agent.getRun(output.runId)
      answer(single(reloaded.activeRequirements))
      output = await agent.continueRun(reloaded)
    }

    expect(output.status).toBe('completed')
    expect(output.messages).toEqual(hotOutput.messages)
    expect(ledger.calls.map((call) => call.tool)).toEqual(['get_the_weather', 'book_table'])
  })
})

describe('the same user-input tool asked in every round', () => {
  const askScript: ReadonlyArray<ScriptedModel.Turn> = [
    { toolCalls: [{ name: 'book_table', args: { restaurant: 'Ramiro' } }] },
    { toolCalls: [{ name: 'book_table', args: { restaurant: 'Ramiro' } }] },
    { toolCalls: [{ name: 'book_table', args: { restaurant: 'Cervejaria' } }] },
    'Three bookings made.',
  ]

  it('asks anew each round with a new call id, and only the open one is active', async () => {
    const ledger = makeLedger()
    const { agent } = scriptedAgent(askScript, { tools: [bookTableTool(ledger)] })
    let output = await agent.run('Book three dinners')
    const times = ['19:00', '20:00', '21:00']
    const callIds: Array<string> = []

    for (const [round, time] of times.entries()) {
      expect(output.requirements).toHaveLength(round + 1)
      const active = single(output.activeRequirements)
      expect(active.userInputSchema?.find((field) => field.name === 'time')?.value).toBeUndefined()
      callIds.push(active.toolCall.id)
      active.provideUserInput({ time })
      output = await agent.continueRun(output)
    }

    expect(output.status).toBe('completed')
    expect(callIds).toEqual(['call_1_1', 'call_2_1', 'call_3_1'])
    expect(ledger.calls.map((call) => call.args)).toEqual([
      { restaurant: 'Ramiro', time: '19:00' },
      { restaurant: 'Ramiro', time: '20:00' },
      { restaurant: 'Cervejaria', time: '21:00' },
    ])
  })
})
