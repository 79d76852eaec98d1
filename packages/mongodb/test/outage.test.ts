import { Resolutions, StoreError } from '@countersign/core'
import { treasurer, treasurerAnswer } from '@countersign/core/testing'
import { startFerretDb } from '@countersign/ferretdb-harness'
import { describe, expect, it } from 'vitest'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

const serverSelectionTimeoutMs = 1_500
/** A call fails within a server selection, retried once by the driver for reads, and some slack. */
const failsWithinMs = 2 * serverSelectionTimeoutMs + 1_500

/** What a call that is expected to fail threw, and how long it took to. */
const failure = async (call: () => Promise<unknown>) => {
  const started = Date.now()
  const error: unknown = await call().then(
    () => new Error('expected a failure, but the call succeeded'),
    (thrown: unknown) => thrown,
  )
  return { error, ms: Date.now() - started }
}

// A server this test may stop is its own FerretDB: never MONGODB_URL's, which other tests share
// and which may be a MongoDB the harness cannot stop and start.
describe.skipIf(process.env.MONGODB_URL)('MongoStore: the database goes away and comes back', () => {
  it('while it is away, reading and continuing a paused run fail with StoreError and change nothing; once it is back, the same agent completes the run, the tool running once', async () => {
    const server = await startFerretDb()
    mongo.defer(server.dispose)
    const store = await mongo.open({ url: server.url, dbName: 'outage', serverSelectionTimeoutMs })
    const executions: Array<string> = []
    const agent = treasurer({ store, onTransfer: (key) => void executions.push(key) })
    mongo.defer(() => agent.dispose())
    const paused = await agent.run('Move 40 to savings')
    const { runId } = paused
    const requirementIds = paused.activeRequirements.map(({ id }) => id)
    expect(paused.status).toBe('paused')
    expect(requirementIds).toHaveLength(1)
    const approve = () =>
      agent.continueRun({ runId, resolutions: requirementIds.map((id) => Resolutions.confirm(id)) })

    await server.stop()
    const read = await failure(() => agent.getRun(runId))
    const continued = await failure(approve)

    for (const { error, ms } of [read, continued]) {
      expect(error).toBeInstanceOf(StoreError)
      expect(ms).toBeLessThan(failsWithinMs)
    }
    expect(executions).toStrictEqual([])

    await server.start()
    // The same store and agent, not reopened: the driver finds the server again by itself.
    const reread = await agent.getRun(runId)
    expect(reread.status).toBe('paused')
    // The failed continue recorded nothing: the decision is still open.
    expect(reread.activeRequirements.map(({ id }) => id)).toStrictEqual(requirementIds)
    expect(await approve()).toMatchObject({ status: 'completed', content: treasurerAnswer })
    expect(executions).toStrictEqual([expect.stringContaining(runId)])
  })

  it('stopping in the middle of a run fails it with StoreError, leaving what was stored whole; once back, the run reads as interrupted in its call and is recovered', async () => {
    const server = await startFerretDb()
    mongo.defer(server.dispose)
    const store = await mongo.open({ url: server.url, dbName: 'outage', serverSelectionTimeoutMs })
    const [entered, release] = [gate(), gate()]
    const executions: Array<string> = []
    const agent = treasurer({
      store,
      onTransfer: async (key) => {
        executions.push(key)
        entered.open()
        await release.opened
      },
    })
    mongo.defer(() => agent.dispose())
    const paused = await agent.run('Move 40 to savings')
    const continuing = failure(() =>
      agent.continueRun({
        runId: paused.runId,
        resolutions: paused.activeRequirements.map(({ id }) => Resolutions.confirm(id)),
      }),
    )
    await entered.opened

    // The tool finishes while the database is away: the run cannot store what came of it.
    await server.stop()
    release.open()
    expect((await continuing).error).toBeInstanceOf(StoreError)

    await server.start()
    const interrupted = await agent.getRun(paused.runId)
    expect(interrupted.status).toBe('running')
    expect(interrupted.toolExecutions.map(({ toolName, status }) => [toolName, status])).toStrictEqual([
      ['transfer', 'started'],
    ])
    const asked = await agent.recoverRun(paused.runId, { interruptedCalls: 'ask' })
    asked.activeRequirements[0]!.reject('It went through before the outage.')
    expect(await agent.continueRun(asked)).toMatchObject({ status: 'completed', content: treasurerAnswer })
    expect(executions).toStrictEqual([expect.stringContaining(paused.runId)])
  })
})

/** A promise the test opens. */
const gate = () => {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}
