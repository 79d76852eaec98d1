/**
 * Agno's `test_external_execution_flows.py` (study §7), translated: the call is carried out
 * outside the agent, and whatever result is handed back is what the model reads.
 */
import { describe, expect, it } from 'vitest'
import {
  InvalidResolution,
  RequirementsUnresolved,
  Resolutions,
  ResolutionMethodMismatch,
  type RunStore,
  type ScriptedModel,
} from '../src/index.js'
import {
  collect,
  lastToldTo,
  makeLedger,
  scriptedAgent,
  sendEmailTool,
  single,
  type Ledger,
} from './fixtures.js'

const emailArgs = { to: 'ana@example.com', subject: 'Lunch', body: 'Noon at the usual place?' }

const script: ReadonlyArray<ScriptedModel.Turn> = [
  { toolCalls: [{ name: 'send_email', args: emailArgs }] },
  'The email to Ana is sent.',
]

const externalAgent = (ledger: Ledger, store?: RunStore) =>
  scriptedAgent(script, {
    tools: [sendEmailTool(ledger, { externalExecution: true })],
    ...(store === undefined ? {} : { store }),
  })

describe('an external execution tool pauses with the full call', () => {
  it('shows every argument the model gave and waits for a result', async () => {
    const ledger = makeLedger()
    const { agent } = externalAgent(ledger)

    const paused = await agent.run('Ask Ana to lunch')

    const requirement = single(paused.activeRequirements)
    expect(requirement.kind).toBe('external_execution')
    expect(requirement.needsExternalExecution).toBe(true)
    expect(requirement.needsConfirmation).toBe(false)
    expect(requirement.toolCall).toEqual({ id: 'call_1_1', name: 'send_email', args: emailArgs })
    expect(() => requirement.confirm()).toThrow(ResolutionMethodMismatch)
    expect(ledger.calls).toEqual([])
  })
})

describe('the result handed back is the call result', () => {
  it('gives the model exactly the string, and never runs the tool itself', async () => {
    const ledger = makeLedger()
    const { agent, model } = externalAgent(ledger)
    const paused = await agent.run('Ask Ana to lunch')

    single(paused.activeRequirements).setExternalExecutionResult('done externally')
    const output = await agent.continueRun(paused)

    expect(lastToldTo(model)).toMatchObject({
      _tag: 'Tool',
      toolCallId: 'call_1_1',
      outcome: 'external',
      content: 'done externally',
    })
    expect(ledger.calls).toEqual([])
    expect(output.status).toBe('completed')
    expect(output.content).toBe('The email to Ana is sent.')
    expect(single(output.toolExecutions)).toMatchObject({ status: 'external', result: 'done externally' })
  })

  it("a failure handed back is the call's failure: the model is told why, and the events say it failed", async () => {
    const ledger = makeLedger()
    const { agent, model } = externalAgent(ledger)
    const paused = await agent.run('Ask Ana to lunch')
    const events = await collect(
      agent.continueRunStream({
        runId: paused.runId,
        resolutions: [
          Resolutions.externalError(single(paused.activeRequirements).id, 'the mail server refused it'),
        ],
      }),
    )
    expect(lastToldTo(model)).toMatchObject({
      _tag: 'Tool',
      toolCallId: 'call_1_1',
      outcome: 'failed',
      content: 'Error: the mail server refused it',
    })
    expect(events.find((event) => event._tag === 'ToolCallFailed')).toMatchObject({
      toolName: 'send_email',
      error: 'the mail server refused it',
    })
    expect(ledger.calls).toEqual([])
    const output = await agent.getRun(paused.runId)
    expect(single(output.toolExecutions)).toMatchObject({ status: 'failed' })

    // The object's method says the same; an empty reason, or a result and a failure at once, is refused.
    const again = await agent.run('Ask Ana to lunch')
    const requirement = single(again.activeRequirements)
    expect(() => requirement.setExternalExecutionError('')).toThrow(InvalidResolution)
    await expect(
      agent.continueRun({
        runId: again.runId,
        resolutions: [{ requirementId: requirement.id, value: { result: 'ok', error: 'and not' } }],
      }),
    ).rejects.toBeInstanceOf(InvalidResolution)
    requirement.setExternalExecutionError('bounced')
    expect((await agent.continueRun(again)).status).toBe('completed')
  })

  it('gives the model an object result as JSON', async () => {
    const ledger = makeLedger()
    const { agent, store } = externalAgent(ledger)
    const paused = await agent.run('Ask Ana to lunch')

    const fresh = externalAgent(ledger, store)
    const result = { messageId: 'm-42', accepted: ['ana@example.com'] }
    const output = await fresh.agent.continueRun({
      runId: paused.runId,
      resolutions: [Resolutions.externalResult(single(paused.activeRequirements).id, result)],
    })

    expect(lastToldTo(fresh.model)).toMatchObject({ _tag: 'Tool', content: JSON.stringify(result) })
    expect(single(output.toolExecutions).result).toEqual(result)
    expect(ledger.calls).toEqual([])
  })

  it('streams a completed call, and no start, for the external result', async () => {
    const { agent } = externalAgent(makeLedger())
    const paused = await agent.run('Ask Ana to lunch')

    single(paused.activeRequirements).setExternalExecutionResult('done externally')
    const events = await collect(agent.continueRunStream(paused))

    expect(events.filter((event) => event._tag === 'ToolCallStarted')).toEqual([])
    expect(single(events.filter((event) => event._tag === 'ToolCallCompleted'))).toMatchObject({
      toolCallId: 'call_1_1',
      result: 'done externally',
    })
  })

  it('refuses a missing result', async () => {
    const { agent } = externalAgent(makeLedger())
    const paused = await agent.run('Ask Ana to lunch')
    const requirement = single(paused.activeRequirements)

    expect(() => requirement.setExternalExecutionResult(undefined)).toThrow(InvalidResolution)
    expect(requirement.isResolved).toBe(false)
  })
})

describe('continuing without a result', () => {
  it('is RequirementsUnresolved naming the requirement, and the run stays paused', async () => {
    const ledger = makeLedger()
    const { agent, model, store } = externalAgent(ledger)
    const paused = await agent.run('Ask Ana to lunch')
    const requirementId = single(paused.activeRequirements).id

    const error: unknown = await agent.continueRun(paused).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(RequirementsUnresolved)
    expect(error).toMatchObject({
      _tag: 'RequirementsUnresolved',
      runId: paused.runId,
      requirementIds: [requirementId],
    })
    await expect(agent.continueRun({ runId: paused.runId })).rejects.toBeInstanceOf(RequirementsUnresolved)
    for (const reader of [agent, externalAgent(ledger, store).agent]) {
      const stored = await reader.getRun(paused.runId)
      expect(stored.status).toBe('paused')
      expect(single(stored.activeRequirements).id).toBe(requirementId)
      expect(stored.messages).toEqual(paused.messages)
    }
    expect(model.requests).toHaveLength(1)
  })

  it('leaves the run to be continued later with the result', async () => {
    const ledger = makeLedger()
    const { agent, store } = externalAgent(ledger)
    const paused = await agent.run('Ask Ana to lunch')
    await expect(agent.continueRun(paused)).rejects.toBeInstanceOf(RequirementsUnresolved)

    const fresh = externalAgent(ledger, store)
    const later = await fresh.agent.getRun(paused.runId)
    single(later.activeRequirements).setExternalExecutionResult('sent by the mail service')
    const output = await fresh.agent.continueRun(later)

    expect(output.status).toBe('completed')
    expect(lastToldTo(fresh.model)).toMatchObject({ content: 'sent by the mail service' })
  })
})
