import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolutions } from '@countersign/core'
import { afterAll, describe, expect, it } from 'vitest'
import { fixtureServerEntry, type ServerProcess, startServerProcess } from '../src/testing/index.js'
import { connect } from './harness.js'

/*
 * A model failure loses no progress, over the wire: the `flaky` agent's model answers 503 on the
 * turn after its confirmed tool. The run pauses on a model failure; a new server process on the
 * same store takes it up again once the model is back, and the tool, already run, is not run
 * again, nor the confirmation asked for again.
 */

const directory = mkdtempSync(join(tmpdir(), 'countersign-model-failure-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
const ledger = join(directory, 'ledger')
const args = ['sqlite', join(directory, 'countersign.db'), '--ledger', ledger]

const stop = async (server: ServerProcess) => {
  server.kill('SIGKILL')
  await server.ended
}

describe('a model that fails on the turn after the tool', () => {
  it('pauses the run; a restarted server continues it to the end, the tool run once', async () => {
    writeFileSync(ledger, '')
    const first = await startServerProcess(fixtureServerEntry, args)
    const alice = connect(first, 'alice')
    const paused = await alice.trpc.runs.start.mutate({ agentId: 'flaky', input: 'Move 3' })
    const [confirmation] = paused.activeRequirementIds
    const failed = await alice.trpc.runs.continue.mutate({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(confirmation!)],
    })
    expect(failed.status).toBe('paused')
    const [failure] = failed.requirements.filter((requirement) => !requirement.isResolved)
    expect(failure).toMatchObject({
      kind: 'model_failure',
      request: { model: 'flaky-model', reason: '503 Service Unavailable', status: 503 },
    })
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1)
    await alice.close()
    await stop(first)

    const second = await startServerProcess(fixtureServerEntry, args)
    const up = second.nextLine((line) => line === 'model up')
    second.send('model-up')
    await up
    const again = connect(second, 'alice')
    const done = await again.trpc.runs.continue.mutate({
      runId: paused.runId,
      resolutions: [Resolutions.confirm(failure!.id)],
    })
    expect(done).toMatchObject({ status: 'completed', content: 'Done: moved 3' })
    expect(done.requirements.map((requirement) => requirement.kind)).toEqual([
      'confirmation',
      'model_failure',
    ])
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1)
    await again.close()
    await stop(second)
  }, 60_000)
})
