import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess, tokenOf, type ServerProcess } from '@countersign/server/testing'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  type CallToolResult,
  ElicitRequestSchema,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/*
 * Countersign agents served over MCP, called by the SDK's own client: a pause the caller may
 * resolve is asked of them through elicitation; one that needs an approver answers with the run
 * id. Over Streamable HTTP on the Countersign server's port (signed in as for the rest of its
 * API), and over stdio.
 */

const directory = mkdtempSync(join(tmpdir(), 'countersign-mcp-serve-'))
const ledger = join(directory, 'payments.txt')
const paymentsMade = () => {
  try {
    return readFileSync(ledger, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}

const entry = fileURLToPath(new URL('./servers/countersign.ts', import.meta.url))
const stdioEntry = fileURLToPath(new URL('./servers/agentsStdio.ts', import.meta.url))
let server: ServerProcess
beforeAll(async () => {
  process.env.LEDGER = ledger
  server = await startServerProcess(entry)
})
afterAll(async () => {
  server.kill('SIGTERM')
  await server.ended
  rmSync(directory, { recursive: true, force: true })
})

/** An MCP client that answers every question with `answer`, and keeps the questions it was asked. */
const mcpClient = async (transport: Transport, answer: ElicitResult) => {
  const client = new Client({ name: 'test', version: '1' }, { capabilities: { elicitation: { form: {} } } })
  const asked: Array<string> = []
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message)
    return answer
  })
  await client.connect(transport)
  return { client, asked }
}

const overHttp = (user: 'alice' | 'bob', answer: ElicitResult) =>
  mcpClient(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${tokenOf(user)}` } },
    }),
    answer,
  )

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((part) => (part.type === 'text' ? part.text : '')).join('\n')

describe('Countersign agents over MCP (Streamable HTTP on the server’s port)', () => {
  it('lists each agent as a tool, with the tools that check on runs', async () => {
    const { client } = await overHttp('alice', { action: 'cancel' })
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['treasurer', 'payouts', 'countersign_get_run', 'countersign_continue_run']),
    )
    await client.close()
  })

  it('asks the caller to confirm through elicitation; accepted, the tool runs and the agent answers', async () => {
    const before = paymentsMade().length
    const { client, asked } = await overHttp('alice', { action: 'accept', content: {} })
    const result = await client.callTool({ name: 'treasurer', arguments: { input: 'Pay Bo 5' } })
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('Done: paid 5 to Bo')
    expect(asked).toEqual([expect.stringMatching(/call pay with \{"to":"Bo","amount":5\}/)])
    expect(paymentsMade().slice(before)).toEqual(['pay Bo 5'])
    await client.close()
  })

  it('declined, the tool never runs and the agent reads the refusal', async () => {
    const before = paymentsMade().length
    const { client } = await overHttp('alice', { action: 'decline' })
    const result = await client.callTool({ name: 'treasurer', arguments: { input: 'Pay Bo 5' } })
    expect(textOf(result)).toMatch(/^Done: The user rejected the call to pay/)
    expect(paymentsMade().length).toBe(before)
    await client.close()
  })

  it('answers an approval it cannot ask the caller for with the run id; only the caller can check on it', async () => {
    const { client, asked } = await overHttp('alice', { action: 'accept', content: {} })
    const result = await client.callTool({ name: 'payouts', arguments: { input: 'Pay Cy 900' } })
    expect(asked).toEqual([])
    const { runId, status, waitingFor } = result.structuredContent as {
      runId: string
      status: string
      waitingFor: Array<{ kind: string; by: string }>
    }
    expect(status).toBe('paused')
    expect(waitingFor).toEqual([
      expect.objectContaining({ kind: 'approval', by: 'someone else (an approver)' }),
    ])
    expect(textOf(result)).toContain(runId)
    const checked = await client.callTool({ name: 'countersign_get_run', arguments: { runId } })
    expect((checked.structuredContent as { status: string }).status).toBe('paused')
    expect(paymentsMade()).not.toContain('payout Cy 900')

    const bob = await overHttp('bob', { action: 'accept', content: {} })
    const peeked = await bob.client.callTool({ name: 'countersign_get_run', arguments: { runId } })
    expect(peeked.isError).toBe(true)
    expect(textOf(peeked)).toBe(`No run "${runId}" of yours.`)
    await bob.client.close()
    await client.close()
  })

  it('refuses callers who are not signed in, and keeps one user out of another’s session', async () => {
    const anonymous = new Client({ name: 'test', version: '1' })
    await expect(
      anonymous.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`))),
    ).rejects.toThrow(/401|Authentication required/)
    const { client } = await overHttp('alice', { action: 'cancel' })
    const transport = (client as unknown as { transport: StreamableHTTPClientTransport }).transport
    const hijack = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokenOf('bob')}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'treasurer', arguments: { input: 'Pay Bo 5' } },
      }),
    })
    expect(hijack.status).toBe(404)
    await client.close()
  })
})

describe('MCP sessions over HTTP', () => {
  it('makes room among a caller’s own sessions, never by closing someone else’s', async () => {
    const bob = await overHttp('bob', { action: 'cancel' })
    const alice = []
    for (let index = 0; index < 4; index++) alice.push(await overHttp('alice', { action: 'cancel' }))
    await expect(alice[0]!.client.listTools()).rejects.toThrow(/Session not found|404/)
    expect((await alice[3]!.client.listTools()).tools.length).toBeGreaterThan(0)
    expect((await bob.client.listTools()).tools.length).toBeGreaterThan(0)
    for (const { client } of [bob, ...alice]) await client.close()
  })
})

describe('Countersign agents over MCP (stdio)', () => {
  it('asks for the confirmation and runs the tool once accepted', async () => {
    const before = paymentsMade().length
    const { client } = await mcpClient(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--conditions=@countersign/source', '--import', 'tsx', stdioEntry],
        env: { ...getDefaultEnvironment(), LEDGER: ledger },
        cwd: fileURLToPath(new URL('./servers/', import.meta.url)),
        stderr: 'ignore',
      }),
      { action: 'accept', content: {} },
    )
    const result = await client.callTool({ name: 'treasurer', arguments: { input: 'Pay Bo 5' } })
    expect(textOf(result)).toBe('Done: paid 5 to Bo')
    expect(paymentsMade().slice(before)).toEqual(['pay Bo 5'])
    await client.close()
  })
})
