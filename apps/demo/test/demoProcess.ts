import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@countersign/client'
import { WebSocket } from 'ws'

const demoDir = fileURLToPath(new URL('..', import.meta.url))

/** A SQLite file of the test's own, so that the demo's runs do not land in apps/demo/.countersign. */
export const tempDatabase = () => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-demo-'))
  return {
    path: join(directory, 'countersign.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  }
}

export type DemoProcess = Awaited<ReturnType<typeof startDemo>>

/**
 * Starts the demo as a real process, the way `pnpm start` does (tsx, with the workspace's source
 * condition), on any free port; resolves once it listens. `store` is the environment that picks
 * its store: whatever MONGODB_URL the tests run with is not passed on unless given here, nor any
 * model's settings unless `env` gives them.
 */
export const startDemo = async (
  store: { COUNTERSIGN_DB: string } | { MONGODB_URL: string },
  /** More of its environment: the model it runs on (OPENAI_BASE_URL, COUNTERSIGN_MODEL, …). */
  env: NodeJS.ProcessEnv = {},
) => {
  // Scripted unless the test says otherwise, whatever model the machine is set up for.
  const {
    MONGODB_URL: _shared,
    COUNTERSIGN_DB: _own,
    OPENAI_API_KEY: _key,
    OPENAI_BASE_URL: _server,
    COUNTERSIGN_MODEL: _model,
    COUNTERSIGN_MODEL_API: _api,
    ...inherited
  } = process.env
  const child = spawn(
    process.execPath,
    ['--conditions=@countersign/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: demoDir,
      env: { ...inherited, NO_COLOR: '1', PORT: '0', ...store, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = /listening on (http:\/\/\S+)/.exec(stdout)?.[1]
      if (found === undefined) return
      child.stdout.off('data', check)
      resolve(found)
    }
    child.stdout.on('data', check)
    void exited.then(() =>
      reject(new Error(`the demo exited before listening\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)),
    )
  })
  const clients: Array<{ close: () => void }> = []
  return {
    url,
    stdout: () => stdout,
    /** A client signed in with one of the demo's tokens. */
    client: (token: 'demo-user' | 'demo-approver') => {
      const client = createClient({ url, token, WebSocket, retryDelayMs: () => 50 })
      clients.push(client)
      return client
    },
    /** Stops the demo the way Ctrl+C does; resolves with its exit code. */
    stop: async () => {
      for (const client of clients.splice(0)) client.close()
      if (child.exitCode === null) child.kill('SIGINT')
      return exited
    },
  }
}
