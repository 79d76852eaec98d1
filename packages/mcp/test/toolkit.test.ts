import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, MemoryStore, ScriptedModel, type Toolkit } from '@countersign/core'
import { describe, expect, it } from 'vitest'
import { McpToolkit, McpUnknownTool } from '../src/index.js'
import { filesystemServer, sandboxes } from './fixtures.js'

/*
 * The published filesystem reference server as a child process, its tools under human control
 * through their annotations: reading is free, writing waits for a person, and nothing is written
 * before they say yes.
 */

const box = sandboxes()

const connect = async (directory: string, options: Partial<McpToolkit.McpToolkitOptions> = {}) => {
  const toolkit = await McpToolkit.connect({ name: 'files', server: filesystemServer(directory), ...options })
  box.later(toolkit.close)
  return toolkit
}

const agentWith = (toolkit: Toolkit.Toolkit, turns: ScriptedModel.Turn[]) =>
  new Agent({ id: 'files', model: ScriptedModel.make(turns), store: MemoryStore.make(), tools: [toolkit] })

const writeCall = (path: string, content: string) => ({
  toolCalls: [{ name: 'write_file', args: { path, content } }],
})

describe('an MCP server as a toolkit', () => {
  it("turns the server's tools into tools, with the requirements their annotations call for", async () => {
    const toolkit = await connect(box.directory())
    const byName = new Map(toolkit.tools.map((tool) => [tool.name, tool]))
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['read_text_file', 'write_file', 'move_file']))
    expect(byName.get('write_file')?.flags.requiresConfirmation).toBe(true)
    expect(byName.get('move_file')?.flags.requiresConfirmation).toBe(true)
    expect(byName.get('read_text_file')?.flags).toEqual({})
    // Additive and closed-world: create_directory says it destroys nothing.
    expect(byName.get('create_directory')?.flags).toEqual({})
    expect(byName.get('write_file')?.modelParameters.required).toEqual(['path', 'content'])
    expect(toolkit.plugins?.map((plugin) => plugin.kind)).toEqual(['mcp_elicitation'])
  })

  it('pauses a destructive write, and writes the file only once it is confirmed', async () => {
    const directory = box.directory()
    const target = join(directory, 'notes.txt')
    const agent = agentWith(await connect(directory), [writeCall(target, 'hello'), 'Written.'])
    let output = await agent.run('Write hello to notes.txt')
    expect(output.status).toBe('paused')
    expect(output.activeRequirements.map((requirement) => requirement.kind)).toEqual(['confirmation'])
    expect(existsSync(target)).toBe(false)
    output.activeRequirements[0]!.confirm()
    output = await agent.continueRun(output)
    expect(output.status).toBe('completed')
    expect(readFileSync(target, 'utf8')).toBe('hello')
  })

  it('never writes a rejected call, and the model reads why', async () => {
    const directory = box.directory()
    const target = join(directory, 'notes.txt')
    const agent = agentWith(await connect(directory), [writeCall(target, 'hello'), 'Understood.'])
    let output = await agent.run('Write hello to notes.txt')
    output.activeRequirements[0]!.reject('not today')
    output = await agent.continueRun(output)
    expect(output.status).toBe('completed')
    expect(existsSync(target)).toBe(false)
    expect(output.messages.find((message) => message._tag === 'Tool')?.content).toBe('not today')
  })

  it('reads freely: a read-only call runs without asking anyone', async () => {
    const directory = box.directory({ 'plan.txt': 'step one' })
    const agent = agentWith(await connect(directory), [
      { toolCalls: [{ name: 'read_text_file', args: { path: join(directory, 'plan.txt') } }] },
      'Read it.',
    ])
    const output = await agent.run('What is the plan?')
    expect(output.status).toBe('completed')
    expect(output.requirements).toEqual([])
    const result = output.messages.find((message) => message._tag === 'Tool')
    expect(result?.outcome).toBe('completed')
    expect(result?.content).toContain('step one')
  })

  it('refuses arguments that do not fit the input schema before anyone is asked, and sends nothing', async () => {
    const directory = box.directory()
    const agent = agentWith(await connect(directory), [
      { toolCalls: [{ name: 'write_file', args: { path: join(directory, 'x.txt') } }] },
      'Sorry.',
    ])
    const output = await agent.run('Write')
    expect(output.status).toBe('completed')
    expect(output.requirements).toEqual([])
    const result = output.messages.find((message) => message._tag === 'Tool')
    expect(result?.outcome).toBe('failed')
    expect(result?.content).toMatch(/invalid arguments: .*content/)
    expect(existsSync(join(directory, 'x.txt'))).toBe(false)
  })

  it('prefixes and filters tool names; the lists name the server’s tools and override the annotations', async () => {
    const toolkit = await connect(box.directory(), {
      prefix: 'fs_',
      tools: ['read_text_file', 'write_file', 'list_directory'],
      requiresApprovalTools: ['write_file'],
      requiresConfirmationTools: ['list_directory'],
    })
    expect(toolkit.tools.map((tool) => tool.name).sort()).toEqual([
      'fs_list_directory',
      'fs_read_text_file',
      'fs_write_file',
    ])
    const byName = new Map(toolkit.tools.map((tool) => [tool.name, tool.flags]))
    expect(byName.get('fs_write_file')?.approval?.type).toBe('required')
    expect(byName.get('fs_write_file')?.requiresConfirmation).toBe(false)
    expect(byName.get('fs_list_directory')?.requiresConfirmation).toBe(true)
    expect(byName.get('fs_read_text_file')).toEqual({})
  })

  it('fails to connect, with a typed error, when a list names a tool the server does not offer', async () => {
    const error = await McpToolkit.connect({
      name: 'files',
      server: filesystemServer(box.directory()),
      requiresApprovalTools: ['delete_file'],
    }).catch((cause: unknown) => cause)
    expect(error).toBeInstanceOf(McpUnknownTool)
    expect(error).toMatchObject({ option: 'requiresApprovalTools', toolName: 'delete_file', server: 'files' })
  })

  it('applies the policy as changed for this server: approvals for destructive tools, audits for open-world ones', async () => {
    const toolkit = await connect(box.directory(), {
      annotations: { destructive: 'approve', readOnly: 'none', openWorld: 'audit' },
      // Said to reach beyond the server (openWorldHint absent): its reads are recorded.
      hints: { read_text_file: { readOnlyHint: true } },
    })
    const byName = new Map(toolkit.tools.map((tool) => [tool.name, tool.flags]))
    expect(byName.get('write_file')?.approval?.type).toBe('required')
    expect(byName.get('write_file')?.requiresConfirmation).toBe(false)
    expect(byName.get('read_text_file')?.approval?.type).toBe('audit')
    expect(byName.get('list_directory')).toEqual({})
  })

  it('judges every tool destructive when told to ignore the annotations', async () => {
    const toolkit = await connect(box.directory(), { annotations: false })
    expect(toolkit.tools.every((tool) => tool.flags.requiresConfirmation === true)).toBe(true)
  })
})
