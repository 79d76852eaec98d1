import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '../src/testing/index.js'
import type { SharedStore } from './stores.js'

/** Three fixture servers on one store, for the tests of one suite. */
export interface SharedServers {
  /** The servers as they are now: a test that kills one may put another in its place. */
  readonly servers: Array<ServerProcess>
  /** The suite's directory; the ledger every server appends to is `ledger` in it. */
  readonly directory: string
  /** The arguments each server was started with: the store's, the ledger, the suite's own. */
  readonly args: ReadonlyArray<string>
  /** Another server on the store, with `extra` arguments (a port, say). */
  readonly start: (extra?: ReadonlyArray<string>) => Promise<ServerProcess>
}

/**
 * Three fixture servers on `store`, started before the suite's tests (with `args` more) and killed
 * after them, when none may have written `stderrLacks` to its stderr.
 */
export const useSharedServers = (
  store: SharedStore,
  options: { readonly args?: ReadonlyArray<string>; readonly stderrLacks: string },
) => {
  const state: { current?: SharedServers; dispose?: () => Promise<void> } = {}

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'countersign-shared-'))
    const opened = await store.open(directory)
    state.dispose = async () => {
      await opened.dispose()
      rmSync(directory, { recursive: true, force: true })
    }
    const ledger = join(directory, 'ledger')
    writeFileSync(ledger, '')
    const args = [...opened.args, '--ledger', ledger, ...(options.args ?? [])]
    const start = (extra: ReadonlyArray<string> = []) =>
      startServerProcess(fixtureServerEntry, [...args, ...extra])
    // The first creates the tables or indexes; the others find them.
    const first = await start()
    const servers = [first, ...(await Promise.all([start(), start()]))]
    state.current = { servers, directory, args, start }
  }, 120_000)

  afterAll(async () => {
    const servers = state.current?.servers ?? []
    for (const server of servers) server.kill()
    for (const { stderr } of await Promise.all(servers.map((server) => server.ended)))
      expect(stderr).not.toContain(options.stderrLacks)
    await state.dispose?.()
  })

  return (): SharedServers => {
    if (state.current === undefined) throw new Error('the servers have not started')
    return state.current
  }
}
