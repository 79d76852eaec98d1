import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SqliteStore } from '@countersign/sqlite'
import { describe, expect, it } from 'vitest'
import { filesAgent } from './child/filesAgent.js'
import { sandboxes } from './fixtures.js'

/*
 * A run paused on an MCP call outlives the process and the server connection it paused in: a
 * new process connects its own server and runs the call once it is confirmed.
 */

const box = sandboxes()
const resumeEntry = fileURLToPath(new URL('./child/resume.ts', import.meta.url))

const resumeInChild = (...args: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@countersign/source', '--import', 'tsx', resumeEntry, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('close', (code) => {
      const line = stdout.split('\n').find((text) => text.startsWith('done '))
      if (code === 0 && line !== undefined) resolve(line.slice('done '.length))
      else reject(new Error(`the resume process ended (${code}) without a result; stderr:\n${stderr}`))
    })
  })

describe('a run paused on an MCP call', () => {
  it('is taken up by a new process, which reconnects to the server and runs the confirmed call', async () => {
    const directory = box.directory()
    const database = join(box.directory(), 'runs.db')
    const target = join(directory, 'later.txt')
    const store = SqliteStore.make({ path: database })
    const { agent, toolkit } = await filesAgent(store, directory, target)
    const paused = await agent.run('Write it')
    expect(paused.status).toBe('paused')
    // This process and its server go away before anyone decides.
    await toolkit.close()
    await agent.dispose()
    store.close()
    expect(existsSync(target)).toBe(false)
    expect(await resumeInChild(database, directory, target, paused.runId)).toBe('completed')
    expect(readFileSync(target, 'utf8')).toBe('from the second process')
  })
})
