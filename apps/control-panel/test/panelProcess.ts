import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@countersign/client'
import { type ServerProcess, startServerProcess } from '@countersign/server/testing'
import { afterAll, beforeAll } from 'vitest'
import { WebSocket } from 'ws'

const entry = fileURLToPath(new URL('./panelServer.ts', import.meta.url))
const dist = fileURLToPath(new URL('../dist', import.meta.url))

/** The panel's server in a child process, on a SQLite file of its own: `port` to come back where it was. */
export const startPanelServer = (database: string, port = 0): Promise<ServerProcess> =>
  startServerProcess(entry, [database, dist, String(port)])

/**
 * A panel server for the tests of one file, on a fresh database; `restart` kills it (SIGKILL)
 * and starts it again on the same file and port.
 */
export const usePanelServer = () => {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-panel-'))
  const database = join(directory, 'panel.db')
  const holder: { current?: ServerProcess } = {}
  const clients: Array<{ readonly close: () => Promise<void> }> = []
  beforeAll(async () => {
    holder.current = await startPanelServer(database)
  })
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()))
    holder.current?.kill()
    await holder.current?.ended
    rmSync(directory, { recursive: true, force: true })
  })
  const current = () => {
    if (holder.current === undefined) throw new Error('the panel server has not started')
    return holder.current
  }
  return {
    server: current,
    /** A client as the token's principal (Node 20 needs `ws`'s WebSocket), closed after the file's tests. */
    client: (token: string) => {
      const client = createClient({ url: current().url, token, WebSocket, retryDelayMs: () => 50 })
      clients.push(client)
      return client
    },
    kill: async () => {
      current().kill('SIGKILL')
      await current().ended
    },
    start: async () => {
      holder.current = await startPanelServer(database, current().port)
    },
  }
}
