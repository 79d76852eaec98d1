import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Agent, MemoryStore, ScriptedModel } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { McpToolkit } from '../src/index.js'
import { everythingEntry, sandboxes } from './fixtures.js'

/*
 * The "everything" reference server over Streamable HTTP, as a real process: tools with
 * structured output, and a server that restarts under the toolkit (its session gone).
 */

const box = sandboxes()

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

/** Starts the server on `port`; resolves once it listens, with a way to kill it. */
const startEverything = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const child = spawn(process.execPath, [everythingEntry, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      if (stderr.includes('listening on port'))
        resolve(
          () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done()
              child.once('exit', () => done())
              child.kill('SIGKILL')
            }),
        )
    })
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)))
  })

const weather = (city: string) => ({
  toolCalls: [{ name: 'get-structured-content', args: { location: city } }],
})

describe('an MCP server over Streamable HTTP', () => {
  it('answers with structured content, and is reconnected to after it restarts', async () => {
    const port = await freePort()
    let stop = await startEverything(port)
    box.later(() => stop())
    const toolkit = await McpToolkit.connect({
      name: 'everything',
      server: { url: `http://127.0.0.1:${port}/mcp` },
      tools: ['get-structured-content', 'echo'],
    })
    box.later(toolkit.close)
    const agentAsking = (city: string) =>
      new Agent({
        id: 'weather',
        model: ScriptedModel.make([weather(city), 'Done.']),
        store: MemoryStore.make(),
        tools: [toolkit],
      })
    const first = await agentAsking('Chicago').run('Weather in Chicago?')
    expect(first.status).toBe('completed')
    expect(first.messages.find((message) => message._tag === 'Tool')).toMatchObject({
      outcome: 'completed',
      result: { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 },
    })

    await stop()
    stop = await startEverything(port)
    const second = await agentAsking('New York').run('And in New York?')
    expect(second.status).toBe('completed')
    expect(second.messages.findLast((message) => message._tag === 'Tool')).toMatchObject({
      outcome: 'completed',
      result: { temperature: 33, conditions: 'Cloudy', humidity: 82 },
    })
  })
})
