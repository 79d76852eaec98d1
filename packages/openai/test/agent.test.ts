/**
 * An agent on OpenAIModel against the wire server, for both APIs: what the model is sent as a run
 * pauses, is decided and goes on (in another process, too), and what the run makes of what comes back.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunEvent } from '@countersign/core'
import { apiError, startOpenAIWire, turn, type OpenAIWire } from '@countersign/openai-wire'
import { SqliteStore } from '@countersign/sqlite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { makeAgent, tempDatabase, type Api } from './fixtures.js'
import { callsSent, resultsSent } from './wire.js'

let wire: OpenAIWire
beforeAll(async () => {
  wire = await startOpenAIWire()
})
afterAll(() => wire.close())
beforeEach(() => wire.reset())

const resumeEntry = fileURLToPath(new URL('./child/resume.ts', import.meta.url))

/** Runs the resume child to its end; resolves with what it printed on its `done` line. */
const resumeInChild = (path: string, api: Api, runId: string) =>
  new Promise<{ status: string; content: string; usage: unknown }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@countersign/source', '--import', 'tsx', resumeEntry, path, wire.baseURL, api, runId],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('close', (code) => {
      const line = stdout.split('\n').find((text) => text.startsWith('done '))
      if (code === 0 && line) resolve(JSON.parse(line.slice('done '.length)) as never)
      else reject(new Error(`the resume process ended (${code}) without a result; stderr:\n${stderr}`))
    })
  })

const single = <A>(items: ReadonlyArray<A>): A => {
  expect(items).toHaveLength(1)
  return items[0]!
}

describe.each<Api>(['responses', 'chat'])('an agent on the %s API', (api) => {
  it('loses no progress when the model fails on the turn after the tool: paused, then taken up again by a new agent, the tool run once', async () => {
    const database = tempDatabase()
    try {
      await wire.script(
        turn({ toolCalls: [{ id: 'call_pay_Bo', name: 'pay', arguments: '{"to":"Bo","amount":3}' }] }),
        apiError(503, { message: 'The engine is currently overloaded', type: 'server_error' }),
        turn({ text: 'Paid Bo.' }),
      )
      const store = SqliteStore.make({ path: database.path })
      const first = makeAgent(wire.baseURL, api, store)
      const paused = await first.run('Pay Bo 3')
      single(paused.activeRequirements).confirm()
      const failed = await first.continueRun(paused)
      expect(failed.status).toBe('paused')
      const failure = single(failed.activeRequirements)
      expect(failure.kind).toBe('model_failure')
      expect(failure.request).toMatchObject({ model: 'gpt-test', status: 503 })
      await first.dispose()

      failure.confirm()
      const second = makeAgent(wire.baseURL, api, store)
      const done = await second.continueRun(failed)
      expect(done).toMatchObject({ status: 'completed', content: 'Paid Bo.' })
      expect(done.toolExecutions).toMatchObject([{ toolCallId: 'call_pay_Bo', status: 'completed' }])
      const [, failedTurn, retried] = await wire.requests()
      // Asked again with what the failed turn was asked: the tool's one result, under its call id.
      expect(retried!.body).toEqual(failedTurn!.body)
      expect(resultsSent(retried, api)).toMatchObject([{ id: 'call_pay_Bo' }])
      await second.dispose()
      store.close()
    } finally {
      database.remove()
    }
  })

  it('pauses on a confirmation, resumes in another process from the SQLite file, and the model reads the result under its own call id', async () => {
    const database = tempDatabase()
    try {
      await wire.script(
        turn({
          text: 'Paying Ada.',
          toolCalls: [{ id: 'call_pay_Ada', name: 'pay', arguments: ['{"to":', '"Ada",', '"amount":5}'] }],
          usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 40, reasoningTokens: 5 },
        }),
        turn({
          text: ['Paid ', 'Ada.'],
          usage: { inputTokens: 150, outputTokens: 10, cachedInputTokens: 60 },
        }),
      )
      const store = SqliteStore.make({ path: database.path })
      const agent = makeAgent(wire.baseURL, api, store)
      const paused = await agent.run('Pay Ada 5')
      expect(single(paused.activeRequirements).toolCall).toEqual({
        id: 'call_pay_Ada',
        name: 'pay',
        args: { to: 'Ada', amount: 5 },
      })
      await agent.dispose()
      store.close()

      const done = await resumeInChild(database.path, api, paused.runId)

      expect(done).toMatchObject({ status: 'completed', content: 'Paid Ada.' })
      expect(done.usage).toEqual({
        inputTokens: 250,
        outputTokens: 30,
        cachedInputTokens: 100,
        reasoningTokens: 5,
      })
      const [first, second] = await wire.requests()
      expect(first?.body).toMatchObject({ model: 'gpt-test', stream: true })
      expect(callsSent(second, api)).toEqual([
        { id: 'call_pay_Ada', name: 'pay', arguments: '{"to":"Ada","amount":5}' },
      ])
      expect(resultsSent(second, api)).toEqual([{ id: 'call_pay_Ada', output: 'paid 5 to Ada' }])
    } finally {
      database.remove()
    }
  })

  it('tells the model the note of a person who rejected the call', async () => {
    await wire.script(
      turn({ toolCalls: [{ id: 'call_no', name: 'pay', arguments: '{"to":"Bob","amount":900}' }] }),
      turn({ text: 'Understood.' }),
    )
    const agent = makeAgent(wire.baseURL, api)
    const paused = await agent.run('Pay Bob 900')
    single(paused.activeRequirements).reject('Not this month: the budget is spent.')

    const output = await agent.continueRun(paused)

    expect(output.status).toBe('completed')
    const [result] = resultsSent((await wire.requests())[1], api)
    expect(result?.id).toBe('call_no')
    expect(result?.output).toContain('Not this month: the budget is spent.')
    await agent.dispose()
  })

  it('tells the model the arguments a person filled in, with the result they gave', async () => {
    await wire.script(
      turn({ toolCalls: [{ id: 'call_move', name: 'transfer', arguments: '{"account":"acct-Ada"}' }] }),
      turn({ text: 'Moved.' }),
    )
    const agent = makeAgent(wire.baseURL, api)
    const paused = await agent.run('Move money to Ada')
    single(paused.activeRequirements).provideUserInput({ amount: 7 })

    await agent.continueRun(paused)

    const second = (await wire.requests())[1]
    expect(callsSent(second, api)).toEqual([
      { id: 'call_move', name: 'transfer', arguments: '{"account":"acct-Ada"}' },
    ])
    const result = single(resultsSent(second, api))
    expect(result.output).toContain('{"account":"acct-Ada","amount":7}')
    expect(result.output).toContain('moved 7 to acct-Ada')
    await agent.dispose()
  })

  it('gives the model a result executed outside the agent', async () => {
    await wire.script(
      turn({ toolCalls: [{ id: 'call_ship', name: 'ship', arguments: '{"orderId":"o-1"}' }] }),
      turn({ text: 'Shipped.' }),
    )
    const agent = makeAgent(wire.baseURL, api)
    const paused = await agent.run('Ship o-1')
    single(paused.activeRequirements).setExternalExecutionResult({ tracking: 'T-42' })

    await agent.continueRun(paused)

    expect(resultsSent((await wire.requests())[1], api)).toEqual([
      { id: 'call_ship', output: '{"tracking":"T-42"}' },
    ])
    await agent.dispose()
  })

  it('assembles several tool calls of one turn from many deltas, and answers each under its id', async () => {
    const fragments = (json: string) => json.split('')
    await wire.script(
      turn({
        text: ['Look', 'ing ', 'both ', 'up.'],
        toolCalls: [
          { id: 'call_a', name: 'lookup', arguments: fragments('{"name":"Ada"}') },
          { id: 'call_b', name: 'lookup', arguments: fragments('{"name":"Bob"}') },
        ],
        usage: { inputTokens: 10, outputTokens: 5 },
      }),
      turn({ text: 'Found both.', usage: { inputTokens: 20, outputTokens: 3 } }),
    )
    const agent = makeAgent(wire.baseURL, api)
    const events: Array<RunEvent> = []
    for await (const event of agent.runStream('Find Ada and Bob')) events.push(event)

    const deltas = events.flatMap((event) => (event._tag === 'RunContent' ? [event.delta] : []))
    expect(deltas.join('')).toBe('Looking both up.Found both.')
    expect(deltas.length).toBeGreaterThan(2)
    const started = events.flatMap((event) => (event._tag === 'ToolCallStarted' ? [event.toolCall] : []))
    expect(started).toEqual([
      { id: 'call_a', name: 'lookup', args: { name: 'Ada' } },
      { id: 'call_b', name: 'lookup', args: { name: 'Bob' } },
    ])
    expect(resultsSent((await wire.requests())[1], api)).toEqual([
      { id: 'call_a', output: '{"account":"acct-Ada"}' },
      { id: 'call_b', output: '{"account":"acct-Bob"}' },
    ])
    const runId = events.find((event) => event._tag === 'RunStarted')!.runId
    expect((await agent.getRun(runId)).usage).toEqual({
      inputTokens: 30,
      outputTokens: 8,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    })
    await agent.dispose()
  })

  it('aborts the request in flight when the run is cancelled mid-stream', async () => {
    // Held after the first two text deltas: the stream never ends by itself.
    await wire.script(turn({ text: ['Thinking', ' hard', ' forever'], holdAfter: api === 'chat' ? 3 : 6 }))
    const agent = makeAgent(wire.baseURL, api)
    let runId: string | undefined
    for await (const event of agent.runStream('Think')) {
      if (event._tag === 'RunStarted') runId = event.runId
      if (event._tag === 'RunContent') {
        await agent.cancelRun(runId!)
        break
      }
    }

    expect(await wire.waitForClose(0)).toMatchObject({ closed: true, closedByClient: true })
    expect((await agent.getRun(runId!)).status).toBe('cancelled')
    await agent.dispose()
  })
})
