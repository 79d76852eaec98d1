import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const packageDirectory = fileURLToPath(new URL('..', import.meta.url))
const child = fileURLToPath(new URL('./child/memory-process.ts', import.meta.url))

interface Measured {
  readonly bytesPerCompletedRun: number
  readonly bytesPerPausedRun: number
  readonly executions: number
  readonly expectedExecutions: number
}

/** Plays the runs in a fresh process with forced GC (see child/memory-process.ts) and reads what it measured. */
const measure = async (completedRuns: number, pausedRuns: number): Promise<Measured> => {
  const process_ = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@countersign/source',
      '--import',
      'tsx',
      child,
      String(completedRuns),
      String(pausedRuns),
    ],
    { cwd: packageDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(process_, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`the measuring process exited with ${code}:\n${stderr}`)
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured
}

// Heap, not time: a completed run leaves nothing in the engine (the store holds it, here in
// SQLite), and a paused run lives only in the store.
// Thousands of runs each: the heap after forced GC still varies by a few hundred KB from one
// process to the next, which over 2,000 runs was ±130 B a run, enough to cross the limits.
it('a completed run leaves at most 100 B of heap behind, and a paused run holds at most 300 B', async () => {
  const measured = await measure(8000, 4000)
  expect(measured.executions).toBe(measured.expectedExecutions)
  expect(measured.bytesPerCompletedRun).toBeLessThanOrEqual(100)
  expect(measured.bytesPerPausedRun).toBeLessThanOrEqual(300)
}, 300_000)
