import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { Resolutions } from '@countersign/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '../src/testing/index.js'
import { connect, failure } from './harness.js'
import { ferretDb, sqliteFile } from './stores.js'

/*
 * A server killed (SIGKILL) with 20 runs inside a tool call, and a server started on the same
 * store: the dead writers' runs read as interrupted once their leases lapse, are listed so, and
 * are each brought to a pause or an ending through the API — recovered (`retry`, or `ask` then
 * answered) or cancelled — by those allowed. The ledger, a file every execution of the tool
 * appends to, says which ran twice: exactly those a recovery decision ran again.
 */

/** Long enough that a live writer's renewals (every third of it) keep it, short enough to wait out. */
const writerLease = 2_000
const runsInFlight = 20

/**
 * Reads until `done` holds: a killed writer's lease lapses with time, so the test can only look
 * again (every tenth of a lease) until the store says so.
 */
const until = async <A>(read: () => Promise<A>, done: (value: A) => boolean): Promise<A> => {
  for (;;) {
    const value = await read()
    if (done(value)) return value
    await setTimeout(writerLease / 10)
  }
}

describe.each([sqliteFile, ferretDb])('a server killed with runs in a tool call, on $name', (store) => {
  let directory = ''
  let dispose: (() => Promise<void>) | undefined
  const servers: Array<ServerProcess> = []
  const clients: Array<{ close: () => Promise<void> }> = []
  let args: ReadonlyArray<string> = []

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'countersign-crash-'))
    const opened = await store.open(directory)
    dispose = opened.dispose
    writeFileSync(join(directory, 'ledger'), '')
    args = [...opened.args, '--ledger', join(directory, 'ledger'), '--writer-lease', String(writerLease)]
  }, 120_000)

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()))
    for (const server of servers) server.kill()
    await Promise.all(servers.map((server) => server.ended))
    await dispose?.()
    rmSync(directory, { recursive: true, force: true })
  })

  const start = async () => {
    const server = await startServerProcess(fixtureServerEntry, args)
    servers.push(server)
    return server
  }
  const client = (server: ServerProcess, user: 'alice' | 'bob' | 'root') => {
    const connected = connect(server, user)
    clients.push(connected)
    return connected.trpc
  }
  /** The hold calls the servers ran for the run, by idempotency key. */
  const callsOf = (runId: string) =>
    readFileSync(join(directory, 'ledger'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith(`${runId} `))

  it('every run is recovered or cancelled through the API, and no call runs again unless a recovery decided so', async () => {
    const first = await start()
    const starter = client(first, 'alice')
    let held = 0
    const allHeld = first.nextLine((line) => line.startsWith('held ') && ++held === runsInFlight)
    // Half go straight into the call (never stopped); half pause on a confirmation and are continued into it.
    const straight = await Promise.all(
      Array.from({ length: runsInFlight / 2 }, () =>
        starter.runs.start.mutate({ agentId: 'holder', input: 'hold', stream: true }),
      ),
    )
    const paused = await Promise.all(
      Array.from({ length: runsInFlight / 2 }, () =>
        starter.runs.start.mutate({ agentId: 'guarded_holder', input: 'hold' }),
      ),
    )
    for (const run of paused)
      // Answered only once the run stops: never, as its server dies in the call.
      starter.runs.continue
        .mutate({ runId: run.runId, resolutions: [Resolutions.confirm(run.activeRequirementIds[0]!)] })
        .catch(() => undefined)
    await allHeld
    const runIds = [...straight, ...paused].map(({ runId }) => runId)

    // A second server on the same store, whose calls do not hold: while the first's writers
    // renew their leases, their runs are not to be taken over.
    const second = await start()
    second.send('release')
    const [owner, stranger, admin] = [client(second, 'alice'), client(second, 'bob'), client(second, 'root')]
    const busy = runIds[0]!
    expect(
      await failure(admin.runs.recover.mutate({ runId: busy, interruptedCalls: 'retry' })),
    ).toMatchObject({
      code: 'CONFLICT',
      error: { _tag: 'RunBusy' },
    })
    expect(await failure(owner.runs.cancel.mutate({ runId: busy }))).toMatchObject({
      code: 'CONFLICT',
      error: { _tag: 'RunBusy' },
    })
    expect((await owner.runs.get.query({ runId: busy })).interrupted).toBe(false)
    expect((await owner.runs.list.query({ interrupted: true })).total).toBe(0)

    first.kill('SIGKILL')
    await first.ended

    const listed = await until(
      () => owner.runs.list.query({ interrupted: true, limit: 100 }),
      (page) => page.total === runsInFlight,
    )
    expect(listed.runs.map(({ runId }) => runId).sort()).toStrictEqual([...runIds].sort())
    expect(listed.runs.every(({ status, interrupted }) => status === 'running' && interrupted)).toBe(true)
    for (const runId of runIds) {
      const run = await owner.runs.get.query({ runId })
      expect([run.status, run.interrupted, run.toolExecutions.map(({ status }) => status)]).toStrictEqual([
        'running',
        true,
        ['started'],
      ])
      expect(callsOf(runId)).toHaveLength(1)
    }

    // Someone else's run is not found; its owner may ask, not retry; continuing is not recovering.
    expect(
      await failure(stranger.runs.recover.mutate({ runId: busy, interruptedCalls: 'ask' })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      error: { _tag: 'RunNotFound' },
    })
    expect(await failure(stranger.runs.cancel.mutate({ runId: busy }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(
      await failure(owner.runs.recover.mutate({ runId: busy, interruptedCalls: 'retry' })),
    ).toMatchObject({
      code: 'FORBIDDEN',
      error: { _tag: 'RoleRequired', roles: ['admin'] },
    })
    expect(await failure(owner.runs.continue.mutate({ runId: busy }))).toMatchObject({
      error: { _tag: 'RunNotContinuable' },
    })

    // Four ways out, each for a quarter of the runs of each way of starting.
    const [retried, confirmed, declined, cancelled] = [0, 1, 2, 3].map((way) =>
      runIds.filter((_, position) => (position % (runsInFlight / 2)) % 4 === way),
    ) as [Array<string>, Array<string>, Array<string>, Array<string>]

    for (const runId of retried)
      expect(await admin.runs.recover.mutate({ runId, interruptedCalls: 'retry' })).toMatchObject({
        status: 'completed',
        interrupted: false,
      })
    for (const runId of [...confirmed, ...declined]) {
      const asked = await owner.runs.recover.mutate({ runId, interruptedCalls: 'ask' })
      expect(asked.status).toBe('paused')
      const question = asked.requirements.find(({ id }) => id === asked.activeRequirementIds[0])
      expect(question?.kind).toBe('interrupted_call')
    }
    for (const runId of confirmed) {
      const asked = await owner.runs.get.query({ runId })
      const done = await owner.runs.continue.mutate({
        runId,
        resolutions: [Resolutions.confirm(asked.activeRequirementIds[0]!)],
      })
      expect(done.status).toBe('completed')
    }
    for (const runId of declined.slice(1)) {
      const asked = await owner.runs.get.query({ runId })
      const done = await owner.runs.continue.mutate({
        runId,
        resolutions: [Resolutions.reject(asked.activeRequirementIds[0]!, 'it went through')],
      })
      expect(done.status).toBe('completed')
    }
    for (const runId of cancelled)
      expect(await owner.runs.cancel.mutate({ runId })).toMatchObject({
        status: 'cancelled',
        interrupted: false,
      })

    // Every run paused (one question left open) or ended; nothing is interrupted any more.
    for (const runId of runIds)
      expect(['paused', 'completed', 'cancelled']).toContain((await owner.runs.get.query({ runId })).status)
    expect((await owner.runs.list.query({ interrupted: true })).total).toBe(0)
    // Run again, with the same idempotency key, exactly where a recovery decision said so.
    for (const runId of runIds) {
      const calls = callsOf(runId)
      const again = retried.includes(runId) || confirmed.includes(runId)
      expect(calls).toHaveLength(again ? 2 : 1)
      expect(new Set(calls).size).toBe(1)
    }
  }, 120_000)
})
