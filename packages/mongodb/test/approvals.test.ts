import { Approval, ApprovalRecord, MemoryStore, type RunStore } from '@countersign/core'
import { sampleRequirement, sampleResolution, sampleRun } from '@countersign/core/testing'
import { Effect, Either, Option, Schema } from 'effect'
import type { CommandStartedEvent, Db } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { collectionsOf } from '../src/internal/collections.js'
import { countCommands, isEventsMark } from '../src/testing.js'
import { approvalScenario, audit, finance, grant, pausedOn, query, stop, T } from './approvalScenario.js'
import { failureOf, run } from './effects.js'
import { failureMessage, storeFailingWrites } from './failingWrites.js'
import { storeLosingRunsUpdates } from './lostRunsUpdate.js'
import { mongoTestKit } from './mongo.js'

const mongo = mongoTestKit()

/** A fresh database, and a store over it through the shared client. */
const fresh = async () => {
  const dbName = mongo.freshDatabase()
  const client = await mongo.client()
  const store = await mongo.open({ client, dbName })
  return { store, db: client.db(dbName), dbName }
}

const expectFailedWrite = (error: unknown, operation: string) => {
  expect(error).toMatchObject({ _tag: 'StoreError', operation })
  expect((error as { reason: string }).reason).toContain(failureMessage)
}

/** The stored status of each approval document, by id. */
const storedStatuses = async (db: Db) =>
  Object.fromEntries(
    (await collectionsOf(db).approvals.find().sort({ _id: 1 }).toArray()).map(({ _id, status }) => [
      _id,
      status,
    ]),
  )

describe('MongoStore: approvals, deadlines and grants answer as the memory store does', () => {
  it('the same writes give the same answers, read by read', async () => {
    const expected = await run(approvalScenario(MemoryStore.make()))
    const { store } = await fresh()

    const answers = await run(approvalScenario(store))

    expect(answers.map(([label]) => label)).toStrictEqual(expected.map(([label]) => label))
    for (const [index, [label, answer]] of expected.entries())
      expect(answers[index]?.[1], label).toStrictEqual(answer)
  })

  it('listExpired over more runs than one page of its query: the earliest deadlines, the decided left out', async () => {
    const { store } = await fresh()
    const memory = MemoryStore.make()
    const runs = 230
    // Deadlines all distinct, in no order of the runs' ids; one run in three raised a second requirement.
    const deadline = (i: number, j: number) => T + 1_000 + ((i * 7919) % runs) * 4 + j
    for (const target of [memory, store])
      await run(
        Effect.gen(function* () {
          for (let i = 0; i < runs; i++) {
            const runId = `run-${String(i).padStart(3, '0')}`
            const requirements = Array.from({ length: i % 3 === 0 ? 2 : 1 }, (_, j) =>
              sampleRequirement(runId, `${runId}-${j}`, {
                epoch: 1,
                kind: j === 0 ? 'approval' : 'confirmation',
                expiresAt: deadline(i, j),
              }),
            )
            yield* pausedOn(target, runId, requirements)
            // One in five is decided already.
            if (i % 5 === 0) yield* target.resolveRequirement(runId, `${runId}-0`, sampleResolution('fin'))
          }
        }),
      )

    for (const [now, limit] of [
      [T + 1_000 + 4 * 100, 7],
      [T + 1_000 + 4 * 100, 1_000],
      [T + 1_000 + 4 * runs, 150],
      [T + 1_000 + 4 * runs, 1_000],
      [T + 999, 10],
    ] as const) {
      const expected = await run(memory.listExpired(now, limit))
      expect(await run(store.listExpired(now, limit)), `at ${now - T}, ${limit}`).toStrictEqual(expected)
    }
  })
})

describe('MongoStore: an approval document that missed its update reads as its decision says', () => {
  const pausedOnTwo = async () => {
    const { store, db } = await fresh()
    const requirements = [
      sampleRequirement('run-x', 'x1', { epoch: 1 }),
      sampleRequirement('run-x', 'x2', { epoch: 1, createdAt: T + 11 }),
    ]
    await run(pausedOn(store, 'run-x', requirements))
    return { store, db, requirements }
  }

  it('the process died after the decision, before the approval: the queue counts, filters and shows it decided', async () => {
    const { store, db } = await pausedOnTwo()
    const dying = storeFailingWrites(db, { approvals: ['findOneAndReplace'] })

    const crashed = await failureOf(
      dying.resolveRequirement('run-x', 'x1', sampleResolution('fin', { approved: true, note: 'fine' })),
    )

    expectFailedWrite(crashed, 'resolveRequirement')
    // The decision is stored (and flagged); the approval's document still says pending.
    expect(await storedStatuses(db)).toStrictEqual({ x1: 'pending', x2: 'pending' })
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'x1' })).toMatchObject({
      approvalOutdated: true,
    })
    expect(await failureOf(store.resolveRequirement('run-x', 'x1', sampleResolution('grace')))).toMatchObject(
      {
        _tag: 'RequirementAlreadyResolved',
      },
    )

    expect(await run(store.countApprovals({ status: 'pending' }))).toBe(1)
    expect(await run(store.countApprovals({ status: 'approved' }))).toBe(1)
    const { approvals, total } = await run(store.listApprovals(query({ status: 'pending' })))
    expect([approvals.map(({ id }) => id), total]).toStrictEqual([['x2'], 1])
    expect(Option.getOrThrow(await run(store.getApproval('x1')))).toMatchObject({
      status: 'approved',
      note: 'fine',
      resolvedBy: { id: 'fin' },
      runStatus: 'paused',
    })
    // Repaired where it is stored: the document says approved, the flag is gone.
    expect(await storedStatuses(db)).toStrictEqual({ x1: 'approved', x2: 'pending' })
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'x1' })).not.toHaveProperty('approvalOutdated')
  })

  it("the process died after the approval's write, before its change: the read that repairs the decision journals it", async () => {
    const { store, db } = await pausedOnTwo()
    const before = await run(store.lastApprovalChangeSeq())
    const dying = storeFailingWrites(db, { approval_changes: ['insertMany'] })

    const crashed = await failureOf(
      dying.resolveRequirement('run-x', 'x1', sampleResolution('fin', { approved: false }, T + 100)),
    )

    expectFailedWrite(crashed, 'resolveRequirement')
    // The approval says rejected; its number was taken and never used; the decision is still flagged.
    expect(await storedStatuses(db)).toStrictEqual({ x1: 'rejected', x2: 'pending' })
    expect(await run(store.lastApprovalChangeSeq())).toBe(before + 1)
    expect(await run(store.readApprovalChanges(before, 100))).toStrictEqual([])
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'x1' })).toMatchObject({
      approvalOutdated: true,
    })

    await run(store.countApprovals({}))

    // Journaled under a new number, past the hole the dead process left.
    const changes = await run(store.readApprovalChanges(before, 100))
    expect(changes.map(({ seq, approvalId, status, at }) => ({ seq, approvalId, status, at }))).toStrictEqual(
      [{ seq: before + 2, approvalId: 'x1', status: 'rejected', at: T + 100 }],
    )
    expect(await collectionsOf(db).resolutions.findOne({ _id: 'x1' })).not.toHaveProperty('approvalOutdated')
    await run(store.countApprovals({}))
    expect(await run(store.readApprovalChanges(before, 100))).toHaveLength(1)
  })

  it('a decision without the flag (an older writer): the approval is repaired when read, or when a page shows it', async () => {
    const { store, db, requirements } = await pausedOnTwo()
    await run(store.resolveRequirement('run-x', 'x1', sampleResolution('fin', { approved: false })))
    await run(store.resolveRequirement('run-x', 'x2', sampleResolution('fin', { approved: true })))
    const stale = await collectionsOf(db).approvals.find().toArray()
    /** Sets the documents back to pending, as if nothing had updated them. */
    const reset = async () => {
      for (const requirement of requirements) {
        const pending = Approval.fromRequirement(requirement, sampleRun('run-x', { status: 'paused' }))
        const stored = stale.find(({ _id }) => _id === requirement.id)!
        await collectionsOf(db).approvals.replaceOne(
          { _id: requirement.id },
          { ...stored, status: 'pending', doc: JSON.stringify(Schema.encodeSync(ApprovalRecord)(pending)) },
        )
      }
      expect(await storedStatuses(db)).toStrictEqual({ x1: 'pending', x2: 'pending' })
    }
    await reset()
    expect(Option.getOrThrow(await run(store.getApproval('x1')))).toMatchObject({ status: 'rejected' })
    expect(await storedStatuses(db)).toStrictEqual({ x1: 'rejected', x2: 'pending' })

    await reset()
    // The page of pending ones shows both stale documents: repaired, it is asked for again, and is empty.
    expect(await run(store.listApprovals(query({ status: 'pending' })))).toStrictEqual({
      approvals: [],
      total: 0,
      totalExact: true,
    })
    expect(await storedStatuses(db)).toStrictEqual({ x1: 'rejected', x2: 'approved' })
    expect(await run(store.countApprovals({ status: 'approved' }))).toBe(1)
  })
})

describe('MongoStore: the approvals of a stop whose writes after its events were lost', () => {
  it('are written when the run is next read, and read the run as the stop left it', async () => {
    const { store, db } = await fresh()
    const requirements = [
      sampleRequirement('run-y', 'y1', { epoch: 1 }),
      sampleRequirement('run-y', 'y2', { epoch: 1, kind: 'confirmation' }),
      sampleRequirement('run-y', 'y3', { epoch: 1, createdAt: T + 11 }),
    ]
    const dying = storeFailingWrites(db, { approvals: ['insertMany'], runs: ['updateOne'] })

    expectFailedWrite(await failureOf(pausedOn(dying, 'run-y', requirements)), 'commit')

    // The window: until the run is read, its approvals are not in the queue.
    expect(await run(store.listApprovals(query({})))).toStrictEqual({
      approvals: [],
      total: 0,
      totalExact: true,
    })
    expect(Option.getOrThrow(await run(store.getRun('run-y')))).toMatchObject({ status: 'paused' })
    const { approvals, total } = await run(store.listApprovals(query({})))
    expect(total).toBe(2)
    expect(approvals.map(({ id, status, runStatus }) => [id, status, runStatus])).toStrictEqual([
      ['y3', 'pending', 'paused'],
      ['y1', 'pending', 'paused'],
    ])
    // The runs document is as createRun left it: the approvals read the run's status from the stop.
    expect(await collectionsOf(db).runs.findOne({ _id: 'run-y' })).toMatchObject({ status: 'running' })

    // Once written, reads of the run write nothing more.
    const client = await mongo.newClient({ monitorCommands: true })
    const counted = await mongo.open({ client, dbName: db.databaseName, ensureIndexes: false })
    const counter = countCommands(client)
    mongo.defer(counter.stop)
    await run(counted.getRun('run-y'))
    await run(counted.listRequirements('run-y'))
    expect(counter.take().writes).toBe(0)

    // Decided, then the run goes on: the approval follows.
    await run(store.resolveRequirement('run-y', 'y1', sampleResolution('fin', { approved: true })))
    expect(Option.getOrThrow(await run(store.getApproval('y1')))).toMatchObject({ status: 'approved' })
  })

  it('when only the runs write was lost: the approvals are there, with the status the stop gave the run', async () => {
    const { store, db } = await fresh()
    const requirement = sampleRequirement('run-z', 'z1', { epoch: 1, expiresAt: T + 30 })

    await failureOf(pausedOn(storeLosingRunsUpdates(db), 'run-z', [requirement]))

    expect(await collectionsOf(db).runs.findOne({ _id: 'run-z' })).toMatchObject({ status: 'running' })
    expect(Option.getOrThrow(await run(store.getApproval('z1')))).toMatchObject({
      status: 'pending',
      runStatus: 'paused',
    })
    expect((await run(store.listApprovals(query({ runId: 'run-z' })))).approvals).toMatchObject([
      { id: 'z1', runStatus: 'paused' },
    ])
  })

  it('a paused run whose next stop (a cancellation) lost its runs write has no requirement due', async () => {
    const { store, db } = await fresh()
    const requirement = sampleRequirement('run-w', 'w1', { epoch: 1, expiresAt: T + 30 })
    const paused = await run(pausedOn(store, 'run-w', [requirement]))
    expect(await run(store.listExpired(T + 40, 10))).toStrictEqual([requirement])

    await failureOf(
      stop(
        storeLosingRunsUpdates(db),
        sampleRun('run-w', { ...paused, status: 'cancelled', lastSeq: 2 }),
        [],
        {
          _tag: 'RunCancelled',
          runId: 'run-w',
          seq: 2,
          at: T + 35,
        },
      ),
    )

    expect(await collectionsOf(db).runs.findOne({ _id: 'run-w' })).toMatchObject({
      status: 'paused',
      expiresAt: T + 30,
    })
    expect(await run(store.listExpired(T + 40, 10))).toStrictEqual([])
    expect(Option.getOrThrow(await run(store.getApproval('w1')))).toMatchObject({ runStatus: 'cancelled' })
  })
})

describe('MongoStore: grants end once', () => {
  /** Two stores over one database, each with a client of its own: two server processes. */
  const twoProcesses = async () => {
    const dbName = mongo.freshDatabase()
    const [a, b] = [
      await mongo.open({ url: mongo.url, dbName }),
      await mongo.open({ url: mongo.url, dbName }),
    ]
    return { a, b, db: (await mongo.client()).db(dbName) }
  }

  const race = async <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => {
    const outcomes = await run(Effect.all(effects.map(Effect.either), { concurrency: 'unbounded' }))
    return {
      winners: outcomes.flatMap((outcome, index) => (Either.isRight(outcome) ? [index] : [])),
      losers: outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left] : [])),
    }
  }

  const useOf = (grantId: string, i: number) =>
    audit(`use-${i}`, 'run-a', {
      type: 'required',
      grantId,
      createdAt: T + 100 + i,
      toolName: 'issue_refund',
    })

  it('of 30 concurrent uses of a once grant through two clients, exactly one is recorded', async () => {
    const { a, b } = await twoProcesses()
    await run(a.createGrant(grant('g-once', { scope: 'once' })))

    const { winners, losers } = await race(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).useGrant('g-once', useOf('g-once', i))),
    )

    expect(winners).toHaveLength(1)
    expect(losers.map((error) => [error._tag, 'status' in error ? error.status : undefined])).toStrictEqual(
      Array.from({ length: 29 }, () => ['GrantInactive', 'used']),
    )
    expect(Option.getOrThrow(await run(b.getGrant('g-once')))).toMatchObject({ uses: 1 })
    const { approvals } = await run(a.listApprovals(query({ grantId: 'g-once' })))
    expect(approvals.map(({ id }) => id)).toStrictEqual([`use-${winners[0]}`])
  })

  it('of concurrent uses and revocations of a once grant, one ends it and the others are told how', async () => {
    const { a, b } = await twoProcesses()
    await run(a.createGrant(grant('g-contested', { scope: 'once' })))

    const { winners, losers } = await race(
      Array.from({ length: 30 }, (_, i) => {
        const store = i % 2 === 0 ? a : b
        return i % 3 === 0
          ? store.revokeGrant('g-contested', { revokedBy: finance, revokedAt: T + i })
          : store.useGrant('g-contested', useOf('g-contested', i))
      }),
    )

    expect(winners).toHaveLength(1)
    const ended = Option.getOrThrow(await run(a.getGrant('g-contested')))
    const status = winners[0]! % 3 === 0 ? 'revoked' : 'used'
    expect([ended.uses, ended.revocation === undefined]).toStrictEqual(
      status === 'used' ? [1, true] : [0, false],
    )
    expect(losers.map((error) => [error._tag, 'status' in error ? error.status : undefined])).toStrictEqual(
      Array.from({ length: 29 }, () => ['GrantInactive', status]),
    )
    expect((await run(a.listApprovals(query({ grantId: 'g-contested' })))).total).toBe(
      status === 'used' ? 1 : 0,
    )
  })

  it('of concurrent revocations of a session grant, one wins; uses after it are refused and record nothing', async () => {
    const { a, b } = await twoProcesses()
    await run(a.createGrant(grant('g-session')))
    await run(a.useGrant('g-session', useOf('g-session', 0)))

    const { winners, losers } = await race(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).revokeGrant('g-session', { revokedBy: finance, revokedAt: T + i }),
      ),
    )

    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(19)
    const revoked = Option.getOrThrow(await run(b.getGrant('g-session')))
    expect(revoked).toMatchObject({ uses: 1, revocation: { revokedAt: T + winners[0]! } })
    expect(await failureOf(a.useGrant('g-session', useOf('g-session', 1)))).toMatchObject({
      _tag: 'GrantInactive',
      status: 'revoked',
    })
    expect((await run(a.listApprovals(query({ grantId: 'g-session' })))).total).toBe(1)
  })

  it("a once grant's use whose approval was lost: the grant reads used, and the approval is written when it is read", async () => {
    const { store, db } = await fresh()
    await run(store.createGrant(grant('g-lost', { scope: 'once' })))

    expectFailedWrite(
      await failureOf(
        storeFailingWrites(db, { approvals: ['insertMany'] }).useGrant('g-lost', useOf('g-lost', 1)),
      ),
      'useGrant',
    )

    expect(await run(store.countApprovals({ grantId: 'g-lost' }))).toBe(0)
    expect(Option.getOrThrow(await run(store.getGrant('g-lost')))).toMatchObject({ uses: 1 })
    expect(await failureOf(store.useGrant('g-lost', useOf('g-lost', 2)))).toMatchObject({
      _tag: 'GrantInactive',
      status: 'used',
    })
    expect((await run(store.listApprovals(query({ grantId: 'g-lost' })))).approvals).toStrictEqual([
      useOf('g-lost', 1),
    ])
  })
})

describe('MongoStore: writes of approvals', () => {
  /** The write commands each step sends, by collection. */
  const writesOf = async (
    steps: (store: RunStore) => ReadonlyArray<[string, Effect.Effect<unknown, unknown>]>,
  ) => {
    const client = await mongo.newClient({ monitorCommands: true })
    const store = await mongo.open({ client, dbName: mongo.freshDatabase() })
    const writes: Array<string> = []
    const listener = ({
      commandName,
      command,
    }: {
      commandName: string
      command: Record<string, unknown>
    }) => {
      // The events' mark is set off the batches' path, shared by those of 50 ms (eventsMark.ts).
      const mark = isEventsMark({ commandName, command } as CommandStartedEvent)
      if (['insert', 'update', 'delete', 'findAndModify'].includes(commandName) && !mark)
        writes.push(`${commandName} ${String(command[commandName])}`)
    }
    const counted: Record<string, Array<string>> = {}
    client.on('commandStarted', listener)
    mongo.defer(() => void client.off('commandStarted', listener))
    for (const [label, step] of steps(store)) {
      writes.length = 0
      await run(step)
      counted[label] = [...writes]
    }
    return counted
  }

  it('only a stop that raises approvals, and the decision on one, write more than before', async () => {
    const requirementsOf = (runId: string, kind: string) => [
      sampleRequirement(runId, `${runId}-1`, { epoch: 1, kind }),
    ]
    const counted = await writesOf((store) => [
      ['create', store.createRun(sampleRun('run-plain'))],
      [
        'pause on a confirmation',
        stop(
          store,
          sampleRun('run-plain', { status: 'paused', lastSeq: 1 }),
          requirementsOf('run-plain', 'confirmation'),
        ),
      ],
      ['confirm', store.resolveRequirement('run-plain', 'run-plain-1', sampleResolution('fin'))],
      ['create another', store.createRun(sampleRun('run-gated'))],
      [
        'pause on an approval',
        stop(
          store,
          sampleRun('run-gated', { status: 'paused', lastSeq: 1 }),
          requirementsOf('run-gated', 'approval'),
        ),
      ],
      ['approve', store.resolveRequirement('run-gated', 'run-gated-1', sampleResolution('fin'))],
    ])

    expect(counted).toStrictEqual({
      create: ['insert runs'],
      'pause on a confirmation': ['insert events', 'update runs'],
      confirm: ['insert resolutions'],
      'create another': ['insert runs'],
      // The approval, then its change: a number taken from the counter, and the change under it.
      'pause on an approval': [
        'insert events',
        'insert approvals',
        'findAndModify counters',
        'insert approval_changes',
        'update runs',
      ],
      approve: [
        'insert resolutions',
        'findAndModify approvals',
        'findAndModify counters',
        'insert approval_changes',
        'update resolutions',
      ],
    })
  })
})
