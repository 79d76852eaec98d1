import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '@countersign/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/ExitCode.js'
import { cli, json, severalRuns, useClients } from './cli.js'

/*
 * A server killed (SIGKILL) while two runs are inside a call, and one started on the same SQLite
 * file: `runs --interrupted` lists them, `recover` takes one over, `cancel` ends the other.
 */

const writerLease = 1_000
let directory = ''
let server: ServerProcess | undefined
const runIds: Array<string> = []

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'countersign-cli-recover-'))
  const args = ['sqlite', join(directory, 'countersign.db'), '--writer-lease', String(writerLease)]
  const dying = await startServerProcess(fixtureServerEntry, args)
  let held = 0
  const bothHeld = dying.nextLine((line) => line.startsWith('held ') && ++held === 2)
  for (let index = 0; index < 2; index++) {
    const response = await fetch(`${dying.url}/runs.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice-token' },
      body: JSON.stringify({ agentId: 'holder', input: 'hold', stream: true }),
    })
    runIds.push(((await response.json()) as { result: { data: { runId: string } } }).result.data.runId)
  }
  await bothHeld
  dying.kill('SIGKILL')
  await dying.ended
  server = await startServerProcess(fixtureServerEntry, args)
  server.send('release')
}, 60_000)

afterAll(async () => {
  server?.kill()
  await server?.ended
  rmSync(directory, { recursive: true, force: true })
})

const clientOf = useClients(() => server!)

describe('countersign recover and cancel on runs whose server died', severalRuns, () => {
  it('runs --interrupted lists them once their writer’s lease lapsed; recover asks, cancel ends', async () => {
    const [asked, ended] = runIds as [string, string]
    // The dead writers' leases lapse a lease's length after their last renewal: look until then.
    while ((await clientOf('alice').runs.list({ interrupted: true })).total < 2)
      await setTimeout(writerLease / 10)

    const listed = await cli(['runs', '--interrupted', '--json'], { server: server!, as: 'alice' })
    expect(listed.code).toBe(0)
    expect(
      json<{ runs: Array<{ runId: string; interrupted: boolean }> }>(listed)
        .runs.map(({ runId }) => runId)
        .sort(),
    ).toStrictEqual([...runIds].sort())

    // Retrying is an admin's call, not the owner's.
    const retried = await cli(['recover', asked, '--retry'], { server: server!, as: 'alice' })
    expect(retried.code).toBe(ExitCode.notAllowed)
    expect(retried.stderr).toContain('RoleRequired')

    const recovered = await cli(['recover', asked], { server: server!, as: 'alice' })
    expect(recovered.code).toBe(3)
    expect(recovered.lines[0]).toBe(`Run ${asked} (holder) paused, waiting for 1 decision:`)
    expect(recovered.stdout).toContain('interrupted_call')

    const cancelled = await cli(['cancel', ended], { server: server!, as: 'alice' })
    expect(cancelled.code).toBe(0)
    expect((await clientOf('alice').runs.get(ended)).status).toBe('cancelled')
    expect((await clientOf('alice').runs.list({ interrupted: true })).total).toBe(0)
  })
})
