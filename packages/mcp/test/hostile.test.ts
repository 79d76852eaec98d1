import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, InvalidResolution, MemoryStore, ScriptedModel, type Toolkit } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { createServer } from '@countersign/server'
import { McpToolkit } from '../src/index.js'
import { hostileServer, ledgerCalls, sandboxes } from './fixtures.js'

/*
 * An MCP server is untrusted. Tried as an attacker would, with a real server process that lies in
 * its annotations, floods, offers outsized schemas, asks for what a form cannot show, and dies
 * mid-call: nothing runs that nobody approved, and the model reads a bounded, typed outcome.
 */

const box = sandboxes()

const setup = async (options: Partial<McpToolkit.McpToolkitOptions> = {}) => {
  const ledger = join(box.directory(), 'calls.jsonl')
  const toolkit = await McpToolkit.connect({ name: 'hostile', server: hostileServer(ledger), ...options })
  box.later(toolkit.close)
  return { ledger, toolkit }
}

const agentWith = (toolkit: Toolkit.Toolkit, name: string, args: Record<string, unknown> = {}) =>
  new Agent({
    id: 'victim',
    model: ScriptedModel.make([{ toolCalls: [{ name, args }] }, 'Done.']),
    store: MemoryStore.make(),
    tools: [toolkit],
  })

const toolResult = (output: { messages: ReadonlyArray<{ _tag: string }> }) =>
  output.messages.find((message) => message._tag === 'Tool') as
    { outcome: string; content: string; result?: unknown } | undefined

describe('an untrusted MCP server', () => {
  it("gets the call's idempotency key in the request's _meta", async () => {
    const { ledger, toolkit } = await setup()
    const output = await agentWith(toolkit, 'record', { note: 'hi' }).run('go')
    expect(output.status).toBe('completed')
    const [call] = ledgerCalls(ledger)
    expect(call?.meta[McpToolkit.idempotencyMetaKey]).toBe(`${output.runId}:call_1_1`)
    expect(toolResult(output)?.result).toMatchObject({ args: { note: 'hi' } })
  })

  it('does not send arguments its own schema refuses', async () => {
    const { ledger, toolkit } = await setup()
    const output = await agentWith(toolkit, 'record', { note: 'x'.repeat(50) }).run('go')
    expect(toolResult(output)?.outcome).toBe('failed')
    expect(ledgerCalls(ledger)).toEqual([])
  })

  it('is taken at its word about annotations only until told otherwise, per tool', async () => {
    const trusting = await setup()
    expect(trusting.toolkit.tools.find((tool) => tool.name === 'wipe')?.flags).toEqual({})
    const { ledger, toolkit } = await setup({ hints: { wipe: { destructiveHint: true } } })
    const output = await agentWith(toolkit, 'wipe', { target: '/' }).run('look')
    expect(output.status).toBe('paused')
    expect(output.activeRequirements.map((requirement) => requirement.kind)).toEqual(['confirmation'])
    expect(ledgerCalls(ledger)).toEqual([])
  })

  it('floods no further than maxResultChars into the transcript', async () => {
    const { toolkit } = await setup({ maxResultChars: 1_000 })
    const output = await agentWith(toolkit, 'flood').run('go')
    const content = toolResult(output)?.content ?? ''
    expect(content.startsWith('x'.repeat(1_000))).toBe(true)
    expect(content.length).toBeLessThan(1_100)
    expect(content).toMatch(/more characters cut/)
  })

  it("reports a result marked as an error as the call's failure", async () => {
    const { toolkit } = await setup()
    const output = await agentWith(toolkit, 'fail').run('go')
    expect(toolResult(output)).toMatchObject({ outcome: 'failed', content: 'Error: the disk is on fire' })
  })

  it('leaves out a tool whose input schema is outsized, and says so', async () => {
    const { toolkit } = await setup()
    expect(toolkit.tools.some((tool) => tool.name === 'huge_schema')).toBe(false)
    expect(toolkit.skipped.map((tool) => tool.name)).toEqual(['huge_schema'])
    expect(toolkit.skipped[0]?.reason).toMatch(/larger than/)
  })

  it('is stopped when the toolkit closes, and a call after that fails without reaching it', async () => {
    const { ledger, toolkit } = await setup()
    const pid = Number(readFileSync(`${ledger}.pid`, 'utf8'))
    await toolkit.close()
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/)
    const output = await agentWith(toolkit, 'record', { note: 'late' }).run('go')
    expect(toolResult(output)?.outcome).toBe('failed')
    expect(toolResult(output)?.content).toMatch(/the toolkit is closed/)
    expect(ledgerCalls(ledger)).toEqual([])
  })

  it('is stopped when the agent or the server that owns its toolkit is disposed', async () => {
    const pidOf = (ledger: string) => Number(readFileSync(`${ledger}.pid`, 'utf8'))
    const byAgent = await setup()
    const agent = agentWith(byAgent.toolkit, 'record', { note: 'hi' })
    expect((await agent.run('go')).status).toBe('completed')
    await agent.dispose()
    expect(() => process.kill(pidOf(byAgent.ledger), 0)).toThrow(/ESRCH/)

    const byServer = await setup()
    const server = createServer({
      agents: [agentWith(byServer.toolkit, 'record')],
      sweepEvery: false,
      authenticate: () => null,
    })
    await server.listen(0)
    expect(() => process.kill(pidOf(byServer.ledger), 0)).not.toThrow()
    await server.close()
    expect(() => process.kill(pidOf(byServer.ledger), 0)).toThrow(/ESRCH/)
  })

  it('killed mid-call: the run pauses on the interrupted call; confirmed, it reconnects and runs it again with the same key', async () => {
    const { ledger, toolkit } = await setup()
    const agent = agentWith(toolkit, 'crash_once')
    let output = await agent.run('go')
    expect(output.status).toBe('paused')
    const [interrupted] = output.activeRequirements
    expect(interrupted?.kind).toBe('interrupted_call')
    expect((interrupted?.request as { message: string }).message).toMatch(
      /connection to MCP server "hostile" ended during the call to crash_once/,
    )
    interrupted!.confirm()
    output = await agent.continueRun(output)
    expect(output.status).toBe('completed')
    expect(toolResult(output)?.content).toBe('survived')
    const calls = ledgerCalls(ledger)
    expect(calls.map((call) => call.name)).toEqual(['crash_once', 'crash_once'])
    expect(calls[1]!.meta).toEqual(calls[0]!.meta)
  })

  it('killed mid-call, a read-only call is run again at once when the policy says to retry', async () => {
    const { ledger, toolkit } = await setup({ annotations: { interrupted: 'retry' } })
    const output = await agentWith(toolkit, 'crash_once').run('go')
    expect(output.status).toBe('completed')
    expect(toolResult(output)?.content).toBe('survived')
    expect(ledgerCalls(ledger)).toHaveLength(2)
  })

  it('cannot ask for what a form cannot show: the question is refused, nobody sees it', async () => {
    const { toolkit } = await setup()
    const output = await agentWith(toolkit, 'ask_nested').run('go')
    expect(output.status).toBe('completed')
    expect(output.requirements).toEqual([])
    expect(toolResult(output)?.outcome).toBe('failed')
    expect(toolResult(output)?.content).toMatch(/elicitation/i)
  })

  it('routes each question to the call that asked it, with two runs asking on one connection', async () => {
    const { toolkit } = await setup()
    const first = agentWith(toolkit, 'ask_strict')
    const second = agentWith(toolkit, 'ask_strict')
    let one = await first.run('go')
    let two = await second.run('go')
    two.activeRequirements[0]!.provideUserInput({ age: 40, email: 'two@b.co' })
    two = await second.continueRun(two)
    one.activeRequirements[0]!.provideUserInput({ age: 30, email: 'one@b.co' })
    one = await first.continueRun(one)
    expect(toolResult(two)?.content).toBe(
      'answer {"action":"accept","content":{"age":40,"email":"two@b.co"}}',
    )
    expect(toolResult(one)?.content).toBe(
      'answer {"action":"accept","content":{"age":30,"email":"one@b.co"}}',
    )
  })

  it('cannot smuggle a field named like the form’s response: the question is cancelled unseen', async () => {
    const { toolkit } = await setup()
    const output = await agentWith(toolkit, 'ask_response').run('go')
    expect(output.requirements).toEqual([])
    expect(toolResult(output)?.content).toBe('answer {"action":"cancel"}')
  })

  it('gets exactly the arguments that were confirmed, once, and nothing before', async () => {
    const { ledger, toolkit } = await setup({ requiresConfirmationTools: ['wipe'] })
    const agent = agentWith(toolkit, 'wipe', { target: '/tmp/x' })
    let output = await agent.run('go')
    expect(ledgerCalls(ledger)).toEqual([])
    output.activeRequirements[0]!.confirm()
    output = await agent.continueRun(output)
    expect(ledgerCalls(ledger).map(({ name, args }) => ({ name, args }))).toEqual([
      { name: 'wipe', args: { target: '/tmp/x' } },
    ])
  })

  it('gets only answers that fit its own schema: one that does not is refused and nothing is sent', async () => {
    const { toolkit } = await setup()
    const agent = agentWith(toolkit, 'ask_strict')
    let output = await agent.run('go')
    expect(output.status).toBe('paused')
    const [question] = output.activeRequirements
    expect(question?.kind).toBe('mcp_elicitation')
    expect(question?.needsUserInput).toBe(true)
    expect(() => question!.provideUserInput({ age: 12, email: 'a@b.co' })).toThrow(InvalidResolution)
    expect(() => question!.provideUserInput({ age: 30, email: 'not an address' })).toThrow(/email/)
    expect(() => question!.provideUserInput({ age: 30, email: 'a@b.co', admin: true })).toThrow(/admin/)
    question!.provideUserInput({ age: 30, email: 'a@b.co' })
    output = await agent.continueRun(output)
    expect(output.status).toBe('completed')
    expect(toolResult(output)?.content).toBe(
      'answer {"action":"accept","content":{"age":30,"email":"a@b.co"}}',
    )
  })
})
