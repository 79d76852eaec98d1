import {
  Approval,
  ApprovalRecord,
  Message,
  RequirementRecord,
  Resolution,
  type RunEvent,
  RunRecord,
} from '@countersign/core'
import {
  batchOf,
  readStoredRun,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  storedPausedRun,
} from '@countersign/core/testing'
import { Option, Schema } from 'effect'
import type { CommandStartedEvent, Db, IndexDescription } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { MongoStore } from '../src/index.js'
import { collectionsOf } from '../src/internal/collections.js'
import { crashMessage, storeLosingRunsUpdates } from './lostRunsUpdate.js'
import { failureOf, run } from './effects.js'
import { mongoTestKit } from './mongo.js'
import { decideFirst, pausedRun, pauseRun, writePausedRun } from './pausedRun.js'

const mongo = mongoTestKit()

/** A fresh database, and a store over it through the shared client. */
const fresh = async (options: MongoStore.Options = {}) => {
  const dbName = mongo.freshDatabase()
  const client = await mongo.client()
  const store = await mongo.open({ client, dbName, ...options })
  return { store, db: client.db(dbName) }
}

const encodeRun = Schema.encodeSync(RunRecord)
const encodeMessages = Schema.encodeSync(Schema.Array(Message))
const encodeRequirement = Schema.encodeSync(RequirementRecord)
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeResolution = Schema.encodeSync(Resolution)

/** The JSON in a text field of a stored document. */
const json = (text: unknown): unknown => JSON.parse(text as string)

interface ListedIndex {
  name: string
  key: Array<[string, unknown]>
  unique: boolean
}
const byName = (a: ListedIndex, b: ListedIndex) => a.name.localeCompare(b.name)

/** The collections of the database, and each one's indexes: name, key fields in order, uniqueness. */
const indexesOf = async (db: Db) => {
  const names = (await db.listCollections().toArray()).map(({ name }) => name).sort()
  const listed = await Promise.all(
    names.map(async (name) =>
      (await db.collection(name).listIndexes().toArray())
        .map((index) => index as { name: string; key: object; unique?: boolean })
        .map((index) => ({ name: index.name, key: Object.entries(index.key), unique: index.unique === true }))
        .sort(byName),
    ),
  )
  return Object.fromEntries(names.map((name, i) => [name, listed[i]]))
}

const id: ListedIndex = { name: '_id_', key: [['_id', 1]], unique: false }
/** Written out, so that a change of `indexes` in collections.ts has to be made here too. */
const expectedIndexes = {
  approvals: [
    id,
    {
      name: 'approvals_by_created',
      key: [
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_grant',
      key: [
        ['grantId', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_run',
      key: [
        ['runId', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_session',
      key: [
        ['sessionId', 1],
        ['status', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_source',
      key: [
        ['sourceId', 1],
        ['status', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_status',
      key: [
        ['status', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_tool',
      key: [
        ['toolName', 1],
        ['status', 1],
        ['createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_user_status',
      key: [
        ['userId', 1],
        ['status', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'approvals_by_user_time',
      key: [
        ['userId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    { name: 'approvals_grant_uses', key: [['usedGrant', 1]], unique: false },
  ],
  deliveries: [
    id,
    {
      name: 'deliveries_by_requirement',
      key: [
        ['requirementId', 1],
        ['createdAt', 1],
      ],
      unique: false,
    },
    {
      name: 'deliveries_by_run',
      key: [
        ['runId', 1],
        ['createdAt', 1],
      ],
      unique: false,
    },
    {
      name: 'deliveries_due',
      key: [
        ['status', 1],
        ['nextAttemptAt', 1],
      ],
      unique: false,
    },
  ],
  delivery_claims: [
    id,
    {
      name: 'delivery_claims_latest',
      key: [
        ['deliveryId', 1],
        ['n', -1],
      ],
      unique: false,
    },
  ],
  follow_ups: [
    id,
    { name: 'follow_ups_by_requirement', key: [['requirementId', 1]], unique: false },
    { name: 'follow_ups_outbox_pending', key: [['outboxPending', 1]], unique: false },
  ],
  events: [
    id,
    {
      name: 'events_by_run',
      key: [
        ['runId', 1],
        ['seq', 1],
      ],
      unique: true,
    },
    { name: 'events_leased', key: [['leaseExpiresAt', 1]], unique: false },
    { name: 'events_outbox_pending', key: [['outboxPending', 1]], unique: false },
    {
      name: 'events_transcript',
      key: [
        ['runId', 1],
        ['transcriptStart', 1],
      ],
      unique: false,
    },
  ],
  grants: [
    id,
    {
      name: 'grants_by_session',
      key: [
        ['sessionId', 1],
        ['toolName', 1],
        ['grantedAt', -1],
      ],
      unique: false,
    },
    {
      name: 'grants_by_source',
      key: [
        ['sourceId', 1],
        ['grantedAt', -1],
      ],
      unique: false,
    },
  ],
  resolutions: [
    id,
    { name: 'resolutions_approval_outdated', key: [['approvalOutdated', 1]], unique: false },
    { name: 'resolutions_by_run', key: [['runId', 1]], unique: false },
    { name: 'resolutions_outbox_pending', key: [['outboxPending', 1]], unique: false },
  ],
  runs: [
    id,
    {
      name: 'runs_by_status',
      key: [
        ['status', 1],
        ['updatedAt', -1],
      ],
      unique: false,
    },
    {
      name: 'runs_by_user_status',
      key: [
        ['userId', 1],
        ['status', 1],
        ['updatedAt', -1],
      ],
      unique: false,
    },
    {
      name: 'runs_expiring',
      key: [
        ['status', 1],
        ['expiresAt', 1],
      ],
      unique: false,
    },
    {
      name: 'runs_raised',
      key: [
        ['status', 1],
        ['raised.kind', 1],
        ['raised.createdAt', -1],
      ],
      unique: false,
    },
    {
      name: 'runs_roots_by_agent',
      key: [
        ['agentId', 1],
        ['parentRunId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'runs_roots_by_status',
      key: [
        ['status', 1],
        ['parentRunId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'runs_roots_by_time',
      key: [
        ['parentRunId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'runs_roots_by_user',
      key: [
        ['userId', 1],
        ['parentRunId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
    {
      name: 'runs_roots_by_user_status',
      key: [
        ['userId', 1],
        ['status', 1],
        ['parentRunId', 1],
        ['createdAt', -1],
        ['_id', 1],
      ],
      unique: false,
    },
  ],
}

describe('MongoStore: indexes', () => {
  it('the indexes written out here are those the store declares', () => {
    const declared = Object.fromEntries(
      Object.entries(MongoStore.indexes).map(([name, specs]: [string, ReadonlyArray<IndexDescription>]) => [
        name,
        [
          id,
          ...specs.map((spec) => ({
            name: spec.name!,
            key: Object.entries(spec.key),
            unique: spec.unique === true,
          })),
        ].sort(byName),
      ]),
    )
    expect(declared).toStrictEqual(expectedIndexes)
  })

  it('ensureIndexes creates an index for every query the API makes, and calling it again changes nothing', async () => {
    const { store, db } = await fresh({ ensureIndexes: false, migrate: false })
    expect(await db.listCollections().toArray()).toStrictEqual([])

    await run(store.ensureIndexes())
    const created = await indexesOf(db)
    await run(store.ensureIndexes())

    // Version 1's collections are only read: nothing creates them.
    expect(created).toStrictEqual(expectedIndexes)
    expect(await indexesOf(db)).toStrictEqual(expectedIndexes)
  })

  it('make creates the indexes by default, also over a database that has them and holds runs', async () => {
    const dbName = mongo.freshDatabase()
    const client = await mongo.client()
    const first = await mongo.open({ client, dbName })
    await run(writePausedRun(first, pausedRun('run-indexed')))

    await mongo.open({ client, dbName })

    // The pause's approval was journaled: the journal and its counter need no index but `_id`'s.
    expect(await indexesOf(client.db(dbName))).toStrictEqual({
      ...expectedIndexes,
      approval_changes: [id],
      counters: [id],
      migrations: [id],
    })
  })
})

describe('MongoStore: documents (schema version 2)', () => {
  it('a paused run is its journal in `events`, a small `runs` document and its decisions, each with schema version 2', async () => {
    const { store, db } = await fresh()
    const paused = pausedRun('run-layout')
    await run(writePausedRun(store, paused))
    const [decided, open] = paused.requirements
    const c = collectionsOf(db)

    // Only the version 2 collections exist: no transcript, requirements or claims (`grants` and the outbox's have their indexes).
    expect((await db.listCollections().toArray()).map(({ name }) => name).sort()).toStrictEqual([
      'approval_changes',
      'approvals',
      'counters',
      'deliveries',
      'delivery_claims',
      'events',
      'follow_ups',
      'grants',
      'migrations',
      'resolutions',
      'runs',
    ])

    // Records are JSON text (see collections.ts): the fields beside them are what queries use.
    const [runs] = await c.runs.find().toArray()
    expect({ ...runs, doc: typeof runs?.doc, requirements: typeof runs?.requirements }).toStrictEqual({
      _id: 'run-layout',
      schemaVersion: 2,
      agentId: 'refund-agent',
      userId: 'user-ada',
      status: 'paused',
      updatedAt: paused.record.updatedAt,
      createdAt: paused.record.createdAt,
      createdIn: 2,
      input: paused.record.input,
      content: paused.record.content,
      doc: 'string',
      requirements: 'string',
      raised: paused.requirements.map(({ id, kind, createdAt }) => ({ id, kind, createdAt })),
    })
    expect(json(runs?.doc)).toStrictEqual(encodeRun(paused.record))
    expect(json(runs?.requirements)).toStrictEqual(encodeRequirements(paused.requirements))
    expect(await c.runs.countDocuments()).toBe(1)

    // One document per event; the first of each batch carries its messages, the stop's the new record.
    const events = await c.events.find().sort({ seq: 1 }).toArray()
    const texts = ['doc', 'messages', 'record', 'requirements'] as const
    expect(
      events.map((stored) =>
        Object.fromEntries(
          Object.entries(stored).map(([key, value]) => [
            key,
            (texts as ReadonlyArray<string>).includes(key) ? typeof value : value,
          ]),
        ),
      ),
    ).toStrictEqual(
      paused.events.map(({ seq }) => ({
        _id: `run-layout:${seq}`,
        schemaVersion: 2,
        runId: 'run-layout',
        seq,
        doc: 'string',
        ...(seq === 1 ? { transcriptStart: 0, messages: 'string' } : {}),
        ...(seq === 3 ? { transcriptStart: 2, messages: 'string' } : {}),
        ...(seq === 9 ? { record: 'string', requirements: 'string' } : {}),
      })),
    )
    const [first, , third] = events
    const stop = events.at(-1)
    expect(json(first?.messages)).toStrictEqual(encodeMessages(paused.transcript.slice(0, 2)))
    expect(json(third?.messages)).toStrictEqual(encodeMessages(paused.transcript.slice(2)))
    expect(json(stop?.record)).toStrictEqual(encodeRun(paused.record))
    expect(json(stop?.requirements)).toStrictEqual(encodeRequirements(paused.requirements))

    // The decision, with the decided requirement and where it was raised.
    const [decision, ...more] = await c.resolutions.find().toArray()
    expect(more).toStrictEqual([])
    expect({
      ...decision,
      doc: json(decision?.doc),
      requirement: json(decision?.requirement),
    }).toStrictEqual({
      _id: decided!.id,
      schemaVersion: 2,
      runId: 'run-layout',
      resolvedAt: paused.resolution.resolvedAt,
      doc: encodeResolution(paused.resolution),
      requirement: encodeRequirement(
        new RequirementRecord({ ...decided!, status: 'resolved', resolution: paused.resolution }),
      ),
      epoch: 1,
      position: 0,
    })
    expect(open?.status).toBe('pending')

    // The requirement of kind approval is an approval, decided with it; the confirmation is not one.
    const [approval, ...others] = await c.approvals.find().toArray()
    expect(others).toStrictEqual([])
    const decidedApproval = Approval.fromRequirement(
      new RequirementRecord({ ...decided!, status: 'resolved', resolution: paused.resolution }),
      paused.record,
    )
    expect({ ...approval, doc: json(approval?.doc) }).toStrictEqual({
      _id: decided!.id,
      schemaVersion: 2,
      type: 'required',
      status: 'approved',
      runId: 'run-layout',
      sourceId: 'refund-agent',
      toolName: decided!.toolCall.name,
      createdAt: decided!.createdAt,
      userId: 'user-ada',
      sessionId: 'session-of-run-layout',
      doc: Schema.encodeSync(ApprovalRecord)(decidedApproval),
    })

    // Its changes, raised then decided, each under its number, and the counter at the last one.
    expect(await c.approvalChanges.find().sort({ _id: 1 }).toArray()).toStrictEqual([
      { _id: 1, schemaVersion: 2, approvalId: decided!.id, status: 'pending', at: decided!.createdAt },
      {
        _id: 2,
        schemaVersion: 2,
        approvalId: decided!.id,
        status: 'approved',
        at: paused.resolution.resolvedAt,
      },
    ])
    // (`counters` also holds the events' mark, set off the batches' path: see eventsMark.test.ts.)
    expect(await c.counters.find({ _id: 'approval_changes' }).toArray()).toStrictEqual([
      { _id: 'approval_changes', seq: 2 },
    ])
  })

  it('each batch is one insert carrying only its own messages, and no write of the run record carries the transcript (invariant 8)', async () => {
    const dbName = mongo.freshDatabase()
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName })
    const commands: Array<CommandStartedEvent> = []
    client.on('commandStarted', (event) => commands.push(event))
    const runId = 'run-growing'
    const messages: Array<Message> = Array.from({ length: 6 }, (_, i) => ({
      _tag: 'User',
      content: `transcript-message-${i}`,
    }))
    const requirement = sampleRequirement(runId, 'req-growing', { epoch: 1 })
    const event = (seq: number, body: { _tag: 'RunContinued' } | { _tag: 'RunCancelled' }): RunEvent => ({
      ...body,
      runId,
      seq,
      at: seq,
    })
    const pause: RunEvent = { _tag: 'RunPaused', runId, seq: 4, at: 4, requirements: [requirement] }
    await run(store.createRun(sampleRun(runId)))

    await run(
      store.appendBatch(
        batchOf(
          runId,
          [event(1, { _tag: 'RunContinued' }), event(2, { _tag: 'RunContinued' })],
          0,
          messages.slice(0, 2),
        ),
      ),
    )
    await run(
      store.commit(
        batchOf(runId, [event(3, { _tag: 'RunContinued' }), pause], 2, messages.slice(2, 3)),
        sampleRun(runId, { status: 'paused', epoch: 1, transcriptLength: 3, lastSeq: 4 }),
        [requirement],
      ),
    )
    await run(store.appendBatch(batchOf(runId, [event(5, { _tag: 'RunContinued' })], 3)))
    await run(
      store.commit(
        batchOf(
          runId,
          [event(6, { _tag: 'RunContinued' }), event(7, { _tag: 'RunCancelled' })],
          3,
          messages.slice(3),
        ),
        sampleRun(runId, { status: 'cancelled', epoch: 1, transcriptLength: 6, lastSeq: 7 }),
        [],
      ),
    )

    type Written = Record<string, unknown> & {
      seq?: number
      messages?: string
      record?: string
      requirements?: string
    }
    const writes = commands.filter(({ commandName }) => ['insert', 'update', 'delete'].includes(commandName))
    const eventInserts = writes
      .filter(({ command }) => command.insert === 'events')
      .map(({ command }) => command.documents as Array<Written>)
    // One insert per batch, its messages in its first document only.
    expect(
      eventInserts.map((documents) =>
        documents.map(({ seq, messages: text }) => [
          seq,
          text === undefined ? [] : (json(text) as Array<{ content: string }>).map(({ content }) => content),
        ]),
      ),
    ).toStrictEqual([
      [
        [1, ['transcript-message-0', 'transcript-message-1']],
        [2, []],
      ],
      [
        [3, ['transcript-message-2']],
        [4, []],
      ],
      [[5, []]],
      [
        [6, ['transcript-message-3', 'transcript-message-4', 'transcript-message-5']],
        [7, []],
      ],
    ])
    // Each message is written once, by the insert of its batch; nothing else carries one.
    for (const { content } of messages as Array<{ content: string }>)
      expect(writes.filter(({ command }) => JSON.stringify(command).includes(content))).toHaveLength(1)
    // The stops' records and the runs document's writes: one insert, one update per commit.
    const stops = eventInserts.flat().filter(({ record }) => record !== undefined)
    expect(stops.map(({ seq }) => seq)).toStrictEqual([4, 7])
    expect(
      writes
        .filter(({ command }) => command.insert === 'runs' || command.update === 'runs')
        .map(({ commandName }) => commandName),
    ).toStrictEqual(['insert', 'update', 'update'])
    for (const stop of stops) expect(JSON.stringify(stop)).not.toContain('transcript-message')

    expect((await run(store.readTranscript(runId))).map((message) => message.content)).toStrictEqual(
      messages.map(({ content }) => content),
    )
  })

  it('a decision keeps the decided requirement: it is listed, in the order raised, after the run has moved on', async () => {
    const { store } = await fresh()
    const paused = pausedRun('run-moved-on')
    await run(pauseRun(store, paused))
    const [a, b] = paused.requirements
    // Decided in the other order than raised.
    await run(store.resolveRequirement(paused.runId, b!.id, sampleResolution('grace')))
    await run(store.resolveRequirement(paused.runId, a!.id, sampleResolution('alan')))
    const c = sampleRequirement(paused.runId, 'req-next', { epoch: 2 })
    await run(
      store.commit(
        batchOf(paused.runId, [
          { _tag: 'RunContinued', runId: paused.runId, seq: 10, at: 10 },
          { _tag: 'RunPaused', runId: paused.runId, seq: 11, at: 11, requirements: [c] },
        ]),
        sampleRun(paused.runId, { status: 'paused', epoch: 2, lastSeq: 11, pendingRequirementIds: [c.id] }),
        [c],
      ),
    )

    const listed = await run(store.listRequirements(paused.runId))

    expect(listed.map(({ id, status, resolution }) => [id, status, resolution?.resolvedBy.id])).toStrictEqual(
      [
        [a!.id, 'resolved', 'alan'],
        [b!.id, 'resolved', 'grace'],
        [c.id, 'pending', undefined],
      ],
    )
    expect(Option.getOrThrow(await run(store.getRequirement(paused.runId, a!.id)))).toMatchObject({
      status: 'resolved',
      resolution: { resolvedBy: { id: 'alan' } },
    })
  })
})

describe('MongoStore: a commit whose runs write never happened (a crash between its two writes)', () => {
  it('is read from its stop document: the run is paused on its requirements, decided and continued as committed', async () => {
    const { store, db } = await fresh()
    const paused = pausedRun('run-rolled')

    const crashed = await failureOf(pauseRun(storeLosingRunsUpdates(db), paused))

    expect(crashed).toMatchObject({ _tag: 'StoreError', operation: 'commit' })
    expect((crashed as { reason: string }).reason).toContain(crashMessage)
    // The runs document is as createRun left it.
    const stale = await collectionsOf(db).runs.findOne({ _id: paused.runId })
    expect(stale).toMatchObject({ status: 'running' })
    expect(stale).not.toHaveProperty('raised')
    expect(json(stale?.doc)).toMatchObject({ status: 'running', lastSeq: 0 })

    expect(Option.getOrThrow(await run(store.getRun(paused.runId)))).toStrictEqual(paused.record)
    expect(await run(store.listRequirements(paused.runId))).toStrictEqual(paused.requirements)
    await run(decideFirst(store, paused))
    expect(await run(readStoredRun(store, paused.runId))).toStrictEqual(storedPausedRun(paused))
    const again = await failureOf(decideFirst(store, paused))
    expect(again).toMatchObject({ _tag: 'RequirementAlreadyResolved' })

    // The stop's sequence number is taken: a writer goes on after it.
    const next = (seq: number): RunEvent => ({ _tag: 'RunContinued', runId: paused.runId, seq, at: seq })
    expect(await failureOf(store.appendBatch(batchOf(paused.runId, [next(9)])))).toMatchObject({
      _tag: 'EventSequenceConflict',
      seq: 9,
    })
    await run(store.appendBatch(batchOf(paused.runId, [next(10)])))
    expect((await run(store.readEvents(paused.runId, 8))).map(({ seq }) => seq)).toStrictEqual([9, 10])
  })

  it('of two such stops the last is the run state, and the requirements of both are listed', async () => {
    const { store, db } = await fresh()
    const crashing = storeLosingRunsUpdates(db)
    const paused = pausedRun('run-rolled-twice')
    const [a, b] = paused.requirements
    await failureOf(pauseRun(crashing, paused))
    await run(decideFirst(store, paused))
    await run(store.resolveRequirement(paused.runId, b!.id, sampleResolution('alan')))
    const c = sampleRequirement(paused.runId, 'req-again', { epoch: 2 })
    const again = sampleRun(paused.runId, {
      ...paused.record,
      epoch: 2,
      lastSeq: 11,
      pendingRequirementIds: [c.id],
      updatedAt: paused.record.updatedAt + 11,
    })

    const crashed = await failureOf(
      crashing.commit(
        batchOf(paused.runId, [
          { _tag: 'RunContinued', runId: paused.runId, seq: 10, at: 10 },
          { _tag: 'RunPaused', runId: paused.runId, seq: 11, at: 11, requirements: [c] },
        ]),
        again,
        [c],
      ),
    )

    expect(crashed).toMatchObject({ _tag: 'StoreError', operation: 'commit' })
    expect(await collectionsOf(db).runs.findOne({ _id: paused.runId })).toMatchObject({ status: 'running' })
    expect(Option.getOrThrow(await run(store.getRun(paused.runId)))).toStrictEqual(again)
    const listed = await run(store.listRequirements(paused.runId))
    expect(listed.map(({ id, status, resolution }) => [id, status, resolution?.resolvedBy.id])).toStrictEqual(
      [
        [a!.id, 'resolved', 'grace'],
        [b!.id, 'resolved', 'alan'],
        [c.id, 'pending', undefined],
      ],
    )
    expect(Option.getOrThrow(await run(store.getRequirement(paused.runId, c.id)))).toStrictEqual(c)
  })

  it("a later writer whose stop raises none still carries on the lost stop's requirements, read from the journal", async () => {
    const { store, db } = await fresh()
    const paused = pausedRun('run-lost-then-completed')
    expect(await failureOf(pauseRun(storeLosingRunsUpdates(db), paused))).toMatchObject({
      operation: 'commit',
    })
    const { runId, record, requirements } = paused
    const at = (seq: number) => record.updatedAt + seq
    // Resumed by a writer with a lease: its claim follows the pause the runs document does not know of.
    const lease = { runId, claimSeq: 10, expiresAt: at(60_000) }
    await run(
      store.appendBatch({ ...batchOf(runId, [{ _tag: 'RunContinued', runId, seq: 10, at: at(10) }]), lease }),
    )
    const completed = sampleRun(runId, { ...record, status: 'completed', lastSeq: 11, updatedAt: at(11) })
    const ending: RunEvent = { _tag: 'RunCompleted', runId, seq: 11, at: at(11), content: 'done' }

    await run(store.commit({ ...batchOf(runId, [ending]), lease }, completed, []))

    const stored = await collectionsOf(db).runs.findOne({ _id: runId })
    expect(stored).toMatchObject({ status: 'completed', raised: requirements.map(({ id }) => ({ id })) })
    expect((await run(store.listRequirements(runId))).map(({ id }) => id)).toStrictEqual(
      requirements.map(({ id }) => id),
    )
  })

  it('one that raises none keeps the requirements raised before, open ones included', async () => {
    const { store, db } = await fresh()
    const paused = pausedRun('run-cancelled')
    await run(writePausedRun(store, paused))
    const at = (seq: number) => paused.record.updatedAt + seq
    const cancelled = sampleRun(paused.runId, {
      ...paused.record,
      status: 'cancelled',
      lastSeq: 11,
      updatedAt: at(11),
    })
    const ending: Array<RunEvent> = [
      { _tag: 'RunContinued', runId: paused.runId, seq: 10, at: at(10) },
      { _tag: 'RunCancelled', runId: paused.runId, seq: 11, at: at(11) },
    ]

    const crashed = await failureOf(
      storeLosingRunsUpdates(db).commit(batchOf(paused.runId, ending), cancelled, []),
    )

    expect(crashed).toMatchObject({ _tag: 'StoreError', operation: 'commit' })
    expect(await collectionsOf(db).runs.findOne({ _id: paused.runId })).toMatchObject({ status: 'paused' })
    const expected = storedPausedRun(paused)
    expect(await run(readStoredRun(store, paused.runId))).toStrictEqual({
      ...expected,
      record: encodeRun(cancelled),
      events: [...expected.events, ...ending],
    })
  })
})
