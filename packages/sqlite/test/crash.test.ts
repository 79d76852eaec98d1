import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { describeCrashRecovery, readStoredRun, storedPausedRun } from '@countersign/core/testing'
import { Effect } from 'effect'
import { afterEach, expect, it } from 'vitest'
import { SqliteStore } from '../src/index.js'
import { pausedRun } from './pausedRun.js'
import { tempDatabase } from './tempDatabase.js'

const packageDirectory = fileURLToPath(new URL('..', import.meta.url))
const child = fileURLToPath(new URL('./child/commit-then-hang.ts', import.meta.url))

/** Resolves once the child prints `line`; rejects, with what it wrote to stderr, if it exits first. */
const lineFrom = (process: ChildProcess, line: string) =>
  new Promise<void>((resolve, reject) => {
    let stderr = ''
    process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    createInterface({ input: process.stdout! }).on('line', (printed) => {
      if (printed === line) resolve()
    })
    process.once('exit', (code, signal) =>
      reject(new Error(`the child exited (${code ?? signal}) before printing "${line}":\n${stderr}`)),
    )
  })

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

it('a run committed by a process killed with SIGKILL mid-write reads back intact, the unfinished write absent', async () => {
  const file = tempDatabase()
  cleanups.push(file.remove)
  // The same way the demo starts: TypeScript through tsx, workspace packages from source.
  const writer = spawn(
    process.execPath,
    ['--conditions=@countersign/source', '--import', 'tsx', child, file.path, 'run-killed'],
    { cwd: packageDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  cleanups.push(() => writer.kill('SIGKILL'))

  await lineFrom(writer, 'writing')
  const exited = once(writer, 'exit')
  writer.kill('SIGKILL')
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null]
  expect({ code, signal }).toStrictEqual({ code: null, signal: 'SIGKILL' })

  const store = SqliteStore.make({ path: file.path })
  cleanups.push(store.close)
  const read = await Effect.runPromise(readStoredRun(store, 'run-killed'))
  expect(read).toStrictEqual(storedPausedRun(pausedRun('run-killed')))
  // The dead process's lock went with it: the next event of the run is written straight away.
  await Effect.runPromise(
    store.appendBatch({
      runId: 'run-killed',
      events: [{ _tag: 'RunContinued', runId: 'run-killed', seq: 6, at: 1 }],
      transcriptStart: 2,
      messages: [],
    }),
  )
  expect(
    (await Effect.runPromise(store.readEvents('run-killed', 5))).map((event) => event.seq),
  ).toStrictEqual([6])
})

describeCrashRecovery('SqliteStore', () => {
  const file = tempDatabase()
  return Promise.resolve({
    entry: fileURLToPath(new URL('./child/agent-process.ts', import.meta.url)),
    storeArgs: [file.path],
    drop: () => Promise.resolve(file.remove()),
  })
})
