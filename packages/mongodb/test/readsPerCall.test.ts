import { type RunEvent, RunRecord } from '@countersign/core'
import { batchOf, sampleRequirement, sampleResolution, sampleRun } from '@countersign/core/testing'
import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { countCommands } from '../src/testing.js'
import { mongoTestKit } from './mongo.js'
import { pausedRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/** A store over a monitored client of its own, and what reads one call of it makes. */
const countedStore = async () => {
  const client = await mongo.newClient({ monitorCommands: true })
  const store = await mongo.open({ client, dbName: mongo.freshDatabase() })
  const counter = countCommands(client)
  mongo.defer(counter.stop)
  const readsOf = async <A, E>(call: Effect.Effect<A, E>) => {
    counter.reset()
    const value = await Effect.runPromise(call)
    return { value, reads: counter.take().reads }
  }
  return { client, store, readsOf }
}

/**
 * What each store call of a pause/resume cycle reads, on a run written by this version: the
 * budgets a cycle's total is made of (see writesPerCycle.test.ts). A run is read by `_id` (its
 * document, then whether an event follows it); a run created by this version is not looked for
 * in version 1's `requirements`; a stop that raises none finds the requirements it carries on in
 * the run's document.
 */
describe('MongoStore: read commands per store call', () => {
  it('getRun 2, readEvents 1, readTranscript 1, listRequirements 3, resolveRequirement 3; a stop raising none 1', async () => {
    const { client, store, readsOf } = await countedStore()
    const run = pausedRun('run-counted')
    await Effect.runPromise(writePausedRun(store, run))
    const { runId, requirements, record } = run
    const second = requirements[1]!

    const getRun = await readsOf(store.getRun(runId))
    const readEvents = await readsOf(store.readEvents(runId, record.lastSeq))
    const readTranscript = await readsOf(store.readTranscript(runId))
    const listRequirements = await readsOf(store.listRequirements(runId))
    const resolveRequirement = await readsOf(store.resolveRequirement(runId, second.id, run.resolution))
    // Resumed: a claim with its lease, then a stop that raises nothing, carrying the pause's requirements on.
    const claimSeq = record.lastSeq + 1
    const at = record.updatedAt
    const lease = { runId, claimSeq, expiresAt: at + 60_000 }
    const event = (seq: number) => ({ _tag: 'RunContinued' as const, runId, seq, at: at + seq })
    await Effect.runPromise(store.appendBatch({ ...batchOf(runId, [event(claimSeq)]), lease }))
    const completed = new RunRecord({ ...record, status: 'completed', epoch: 2, lastSeq: claimSeq + 1 })
    const commit = await readsOf(
      store.commit({ ...batchOf(runId, [event(claimSeq + 1)]), lease }, completed, []),
    )

    expect({
      getRun: getRun.reads,
      readEvents: readEvents.reads,
      readTranscript: readTranscript.reads,
      listRequirements: listRequirements.reads,
      resolveRequirement: resolveRequirement.reads,
      commit: commit.reads,
    }).toEqual({
      getRun: 2,
      readEvents: 1,
      readTranscript: 1,
      listRequirements: 3,
      resolveRequirement: 3,
      commit: 1,
    })
    // What was read is all there: the run, its transcript, both requirements, each decided once.
    expect(getRun.value).toMatchObject({ _tag: 'Some', value: { runId, status: 'paused' } })
    expect(readEvents.value).toEqual([])
    expect(readTranscript.value).toEqual(run.transcript)
    expect(listRequirements.value.map(({ id, status }) => [id, status])).toEqual([
      [requirements[0]!.id, 'resolved'],
      [second.id, 'pending'],
    ])
    expect(resolveRequirement.value).toMatchObject({ id: second.id, status: 'resolved' })
    const after = await Effect.runPromise(store.listRequirements(runId))
    expect(after.map(({ id, status }) => [id, status])).toEqual([
      [requirements[0]!.id, 'resolved'],
      [second.id, 'resolved'],
    ])
    const stored = await client
      .db(store.dbName)
      .collection('runs')
      .findOne({ _id: runId as never })
    expect(stored).toMatchObject({ status: 'completed', raised: requirements.map(({ id }) => ({ id })) })
  })

  it('a run past a hundred batches and decisions is read in as many commands as a short one', async () => {
    const { store, readsOf } = await countedStore()
    const runId = 'run-long'
    const length = 105
    const at = (seq: number) => sampleRun(runId).createdAt + seq
    await Effect.runPromise(store.createRun(sampleRun(runId)))
    for (let seq = 1; seq <= length; seq++)
      await Effect.runPromise(
        store.appendBatch({
          ...batchOf(runId, [{ _tag: 'RunContent', runId, delta: `part ${seq}`, seq, at: at(seq) }]),
          transcriptStart: seq - 1,
          messages: [{ _tag: 'User', content: `message ${seq}` }],
        }),
      )
    const requirements = Array.from({ length }, (_, index) =>
      sampleRequirement(runId, `${runId}-${index}`, { epoch: 1, kind: 'confirmation' }),
    )
    const pause: RunEvent = { _tag: 'RunPaused', runId, seq: length + 1, at: at(length + 1), requirements }
    const paused = sampleRun(runId, {
      status: 'paused',
      epoch: 1,
      transcriptLength: length,
      lastSeq: length + 1,
      pendingRequirementIds: requirements.map(({ id }) => id),
    })
    await Effect.runPromise(store.commit(batchOf(runId, [pause], length), paused, requirements))
    await Effect.runPromise(
      Effect.forEach(
        requirements,
        ({ id }) => store.resolveRequirement(runId, id, sampleResolution('grace')),
        {
          concurrency: 8,
        },
      ),
    )

    const transcript = await readsOf(store.readTranscript(runId))
    const listed = await readsOf(store.listRequirements(runId))
    const events = await readsOf(store.readEvents(runId, 0))

    expect(transcript.value).toHaveLength(length)
    expect(listed.value.filter(({ status }) => status === 'resolved')).toHaveLength(length)
    expect(events.value).toHaveLength(length + 1)
    // No getMore: each query's first reply holds the whole run.
    expect({ transcript: transcript.reads, listed: listed.reads, events: events.reads }).toEqual({
      transcript: 1,
      listed: 3,
      events: 2,
    })
  })
})
