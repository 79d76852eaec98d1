import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startSourceProcess } from '@countersign/server/testing'
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

/** Runs the resume child to its end; answers the status it printed on its `done` line. */
const resumeInChild = async (...args: ReadonlyArray<string>) => {
  const child = startSourceProcess(resumeEntry, args, { name: 'the resume process' })
  const line = await child.nextLine((text) => text.startsWith('done '))
  await child.ended
  return line.slice('done '.length)
}

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
