import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServerProcess } from '@countersign/server/testing'

export const serverStoreNames = ['memory', 'sqlite'] as const
export type ServerStoreName = (typeof serverStoreNames)[number]

/** A server process started for the benchmark. */
export interface RunningServer {
  /** The HTTP base URL on 127.0.0.1. */
  readonly url: string
  /** The CPU time the process has used so far, in milliseconds. */
  readonly cpuMs: () => Promise<number>
  /** Stops the process and removes what its store wrote. */
  readonly stop: () => Promise<void>
}

const entry = fileURLToPath(new URL('./internal/serverEntry.ts', import.meta.url))

/**
 * The benchmark's server (`internal/serverEntry.ts`) in a child process, over a store of its own:
 * for SQLite, a file in a new temporary directory, removed once the process has exited.
 */
export const startServer = async (store: ServerStoreName): Promise<RunningServer> => {
  const directory = store === 'sqlite' ? await mkdtemp(join(tmpdir(), 'countersign-bench-')) : undefined
  const removeFiles = () =>
    directory === undefined ? Promise.resolve() : rm(directory, { recursive: true, force: true })
  try {
    const server = await startServerProcess(
      entry,
      directory === undefined ? ['memory'] : ['sqlite', join(directory, 'bench.db')],
    )
    return {
      url: server.url,
      cpuMs: async () => {
        const answer = server.nextLine((line) => line.startsWith('cpu '))
        server.send('cpu')
        return Number((await answer).slice('cpu '.length))
      },
      stop: async () => {
        server.kill('SIGTERM')
        const { code, stderr } = await server.ended
        await removeFiles()
        if (code !== 0) throw new Error(`the server process exited with ${code}:\n${stderr}`)
      },
    }
  } catch (error) {
    await removeFiles()
    throw error
  }
}
