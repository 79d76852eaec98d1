import { Effect, Either, Option, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Message } from '../Message.js'
import { Principal } from '../Principal.js'
import { RequirementRecord, Resolution } from '../Requirement.js'
import { RunRecord } from '../Run.js'
import { RunEvent } from '../RunEvent.js'
import { failureOf } from './failureOf.js'
import type { RunStore } from '../RunStore.js'

/** A store to test, and how to release it. */
export interface StoreUnderTest {
  readonly store: RunStore
  /** Called after every test, passed or failed. */
  readonly close?: () => Promise<void>
}

// Fixed times keep failures reproducible; only their order matters to a store.
const T0 = 1_767_225_600_000

export const samplePrincipal = (id: string, roles: ReadonlyArray<string> = ['user']) =>
  new Principal({ id, roles })

/** A run record with every field set, optional ones included. */
export const sampleRun = (runId: string, changes: Partial<RunRecord> = {}) =>
  new RunRecord({
    schemaVersion: 1,
    runId,
    agentId: 'refund-agent',
    sessionId: `session-of-${runId}`,
    userId: 'user-ada',
    principal: samplePrincipal('user-ada', ['user', 'support']),
    status: 'running',
    epoch: 0,
    input: 'Refund order #1042, it arrived broken',
    content: '',
    error: 'model timed out once, retried',
    transcriptLength: 0,
    lastSeq: 0,
    pendingRequirementIds: [],
    createdAt: T0,
    updatedAt: T0 + 1,
    ...changes,
  })

/** A pending approval of a refund, blocking one tool call of `runId`. */
export const sampleRequirement = (runId: string, id: string, changes: Partial<RequirementRecord> = {}) =>
  new RequirementRecord({
    id,
    runId,
    epoch: 0,
    kind: 'approval',
    toolCall: {
      id: `call-${id}`,
      name: 'issue_refund',
      args: { orderId: 1042, amount: 129.5, currency: 'EUR' },
    },
    request: { message: 'Refund over 100 EUR', approvers: ['finance'], evidence: { photos: 2, note: null } },
    status: 'pending',
    createdAt: T0 + 10,
    ...changes,
  })

export const sampleResolution = (
  principalId: string,
  value: unknown = { approved: true },
  resolvedAt = T0 + 100,
) => new Resolution({ value, resolvedBy: samplePrincipal(principalId, ['finance']), resolvedAt })

/** A transcript with every message kind, optional fields both present and absent. */
export const sampleTranscript = (): Array<Message> => [
  { _tag: 'User', content: 'Refund order #1042, it arrived broken' },
  {
    _tag: 'Assistant',
    content: 'Let me look the order up and refund it.',
    toolCalls: [
      { id: 'call-1', name: 'find_order', args: { orderId: 1042 } },
      { id: 'call-2', name: 'issue_refund', args: { orderId: 1042, amount: 129.5, lines: [1, 2] } },
    ],
  },
  {
    _tag: 'Tool',
    toolCallId: 'call-1',
    toolName: 'find_order',
    outcome: 'completed',
    content: 'Order 1042: 2 lines, 129.50 EUR',
    result: { orderId: 1042, total: 129.5, lines: [{ sku: 'MUG', qty: 2 }], giftWrap: null },
  },
  {
    _tag: 'Tool',
    toolCallId: 'call-2',
    toolName: 'issue_refund',
    outcome: 'completed',
    content: 'Refunded 100 EUR',
    args: { orderId: 1042, amount: 100 },
    result: { refundId: 'rf-9' },
  },
  {
    _tag: 'Tool',
    toolCallId: 'call-3',
    toolName: 'notify',
    outcome: 'skipped',
    content: 'Declined: not needed',
  },
  { _tag: 'Assistant', content: 'Done: 100 EUR refunded.', toolCalls: [] },
]

/** One event of every kind, numbered from 1. */
export const sampleEvents = (runId: string): Array<RunEvent> => {
  const requirement = sampleRequirement(runId, `${runId}-approval`)
  const bodies = [
    { _tag: 'RunStarted', runId, agentId: 'refund-agent', input: 'Refund order #1042' },
    { _tag: 'ModelRequestStarted', runId, model: 'scripted' },
    { _tag: 'RunContent', runId, delta: 'Let me look ' },
    { _tag: 'ModelRequestCompleted', runId, model: 'scripted' },
    {
      _tag: 'ToolCallStarted',
      runId,
      toolCall: { id: 'call-1', name: 'find_order', args: { orderId: 1042 } },
    },
    {
      _tag: 'ToolCallCompleted',
      runId,
      toolCallId: 'call-1',
      toolName: 'find_order',
      result: { total: 129.5 },
    },
    { _tag: 'ToolCallCompleted', runId, toolCallId: 'call-4', toolName: 'log' },
    { _tag: 'ToolCallFailed', runId, toolCallId: 'call-5', toolName: 'notify', error: 'SMTP down' },
    { _tag: 'RunPaused', runId, requirements: [requirement] },
    {
      _tag: 'RequirementResolved',
      runId,
      requirementId: requirement.id,
      kind: requirement.kind,
      value: { approved: false, note: 'too much' },
      resolvedBy: samplePrincipal('grace', ['finance']),
    },
    { _tag: 'RunContinued', runId },
    { _tag: 'RunCompleted', runId, content: 'Refund declined.' },
    { _tag: 'RunFailed', runId, error: 'crashed' },
    { _tag: 'RunCancelled', runId },
  ] as const
  return bodies.map((body, index) => ({ ...body, seq: index + 1, at: T0 + 1000 + index }))
}

const encodeRun = Schema.encodeSync(RunRecord)
const encodeMessages = Schema.encodeSync(Schema.Array(Message))
const encodeRequirement = Schema.encodeSync(RequirementRecord)
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeEvents = Schema.encodeSync(Schema.Array(RunEvent))

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

const someValue = <A>(option: Option.Option<A>): A =>
  Option.getOrThrowWith(option, () => new Error('expected Option.some, got Option.none'))

/** The typed failures of the callers that lost, and the results of those that won. */
const race = async <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => {
  const outcomes = await run(Effect.all(effects.map(Effect.either), { concurrency: 'unbounded' }))
  return {
    winners: outcomes.flatMap((outcome) => (Either.isRight(outcome) ? [outcome.right] : [])),
    losers: outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left] : [])),
  }
}

/**
 * The behaviour every RunStore must have. Each test gets a fresh store from `makeStore` and
 * also uses ids no other test uses, so a store that is slow to create may return a shared one.
 */
export const describeStoreConformance = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  // A random part keeps ids unique when a persistent database is reused between test runs.
  const nonce = Math.random().toString(36).slice(2, 10)
  let counter = 0
  const uid = (prefix: string) => `${prefix}-${nonce}-${++counter}`

  const test = (title: string, body: (store: RunStore) => Promise<void>) =>
    it(title, async () => {
      const { store, close } = await makeStore()
      try {
        await body(store)
      } finally {
        await close?.()
      }
    })

  describe(`${name}: RunStore conformance`, () => {
    describe('runs', () => {
      test('getRun returns what createRun stored, optional fields present or absent', async (store) => {
        const full = sampleRun(uid('run'), { pendingRequirementIds: ['req-1', 'req-2'] })
        const { sessionId: _s, userId: _u, error: _e, ...required } = sampleRun(uid('run'))
        const minimal = new RunRecord(required)
        await run(store.createRun(full))
        await run(store.createRun(minimal))

        expect(encodeRun(someValue(await run(store.getRun(full.runId))))).toStrictEqual(encodeRun(full))
        expect(encodeRun(someValue(await run(store.getRun(minimal.runId))))).toStrictEqual(encodeRun(minimal))
      })

      test('getRun of an unknown run is none', async (store) => {
        expect(Option.isNone(await run(store.getRun(uid('missing'))))).toBe(true)
      })

      test('createRun refuses a taken run id and keeps the first record', async (store) => {
        const first = sampleRun(uid('run'))
        await run(store.createRun(first))

        const error = await failureOf(
          store.createRun(sampleRun(first.runId, { input: 'a second run', epoch: 7 })),
        )

        expect(error).toMatchObject({ _tag: 'RunAlreadyExists', runId: first.runId })
        expect(encodeRun(someValue(await run(store.getRun(first.runId))))).toStrictEqual(encodeRun(first))
      })

      test('saveRun replaces the whole record, dropping fields the new one lacks', async (store) => {
        const created = sampleRun(uid('run'))
        await run(store.createRun(created))
        const { error: _dropped, ...rest } = created
        const saved = new RunRecord({
          ...rest,
          status: 'paused',
          epoch: 1,
          content: 'Waiting for finance',
          transcriptLength: 4,
          lastSeq: 9,
          pendingRequirementIds: ['req-a'],
          updatedAt: T0 + 50,
        })

        await run(store.saveRun(saved))

        expect(encodeRun(someValue(await run(store.getRun(created.runId))))).toStrictEqual(encodeRun(saved))
      })
    })

    describe('transcript', () => {
      test('chunks appended in turn read back in order, every message kind intact', async (store) => {
        const runId = uid('run')
        const transcript = sampleTranscript()
        await run(store.appendTranscript(runId, 0, transcript.slice(0, 2)))
        await run(store.appendTranscript(runId, 2, transcript.slice(2, 3)))
        await run(store.appendTranscript(runId, 3, transcript.slice(3)))

        const all = await run(store.readTranscript(runId, transcript.length))
        expect(encodeMessages(all)).toStrictEqual(encodeMessages(transcript))
        const firstThree = await run(store.readTranscript(runId, 3))
        expect(encodeMessages(firstThree)).toStrictEqual(encodeMessages(transcript.slice(0, 3)))
        expect(await run(store.readTranscript(runId, 0))).toStrictEqual([])
      })

      test('appending past the committed length overwrites an unfinished write', async (store) => {
        const runId = uid('run')
        const [user, assistant, tool, , , final] = sampleTranscript()
        const committed = [user!, assistant!, tool!]
        await run(store.appendTranscript(runId, 0, committed))
        // A writer that crashed before committing left two messages past position 3.
        await run(store.appendTranscript(runId, 3, [final!, { _tag: 'User', content: 'stale' }]))

        const retried: Message = { _tag: 'Assistant', content: 'Retried answer', toolCalls: [] }
        await run(store.appendTranscript(runId, 3, [retried]))

        const read = await run(store.readTranscript(runId, 4))
        expect(encodeMessages(read)).toStrictEqual(encodeMessages([...committed, retried]))
      })

      test('transcripts of two runs do not mix', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const a: Array<Message> = [
          { _tag: 'User', content: 'A1' },
          { _tag: 'User', content: 'A2' },
        ]
        const b: Array<Message> = [
          { _tag: 'User', content: 'B1' },
          { _tag: 'User', content: 'B2' },
        ]
        await run(store.appendTranscript(runA, 0, a.slice(0, 1)))
        await run(store.appendTranscript(runB, 0, b.slice(0, 1)))
        await run(store.appendTranscript(runA, 1, a.slice(1)))
        await run(store.appendTranscript(runB, 1, b.slice(1)))

        expect(encodeMessages(await run(store.readTranscript(runA, 2)))).toStrictEqual(encodeMessages(a))
        expect(encodeMessages(await run(store.readTranscript(runB, 2)))).toStrictEqual(encodeMessages(b))
      })
    })

    describe('requirements', () => {
      test("listRequirements returns a run's own requirements in insertion order", async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        // One pause writes its batch with a single timestamp, and ids in no particular order.
        const pauseId = uid('req')
        const firstPause = ['z', 'm', 'a'].map((suffix) => sampleRequirement(runA, `${pauseId}-${suffix}`))
        const other = [sampleRequirement(runB, uid('req'))]
        const secondPause = [
          sampleRequirement(runA, uid('req'), { epoch: 1, createdAt: T0 + 20, kind: 'user_input' }),
        ]
        await run(store.insertRequirements(firstPause))
        await run(store.insertRequirements(other))
        await run(store.insertRequirements(secondPause))

        expect(encodeRequirements(await run(store.listRequirements(runA)))).toStrictEqual(
          encodeRequirements([...firstPause, ...secondPause]),
        )
        expect(encodeRequirements(await run(store.listRequirements(runB)))).toStrictEqual(
          encodeRequirements(other),
        )
        expect(await run(store.listRequirements(uid('run')))).toStrictEqual([])
      })

      test('getRequirement finds a requirement through its own run only', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const requirement = sampleRequirement(runA, uid('req'))
        await run(store.insertRequirements([requirement, sampleRequirement(runB, uid('req'))]))

        const found = someValue(await run(store.getRequirement(runA, requirement.id)))
        expect(encodeRequirement(found)).toStrictEqual(encodeRequirement(requirement))
        expect(Option.isNone(await run(store.getRequirement(runB, requirement.id)))).toBe(true)
        expect(Option.isNone(await run(store.getRequirement(runA, uid('req'))))).toBe(true)
      })

      test('resolveRequirement records the resolution and marks the requirement resolved', async (store) => {
        const runId = uid('run')
        const [requirement, sibling] = [
          sampleRequirement(runId, uid('req')),
          sampleRequirement(runId, uid('req')),
        ]
        await run(store.insertRequirements([requirement, sibling]))
        const resolution = sampleResolution('grace', {
          approved: true,
          note: 'photos checked',
          edits: { amount: 100 },
        })

        const returned = await run(store.resolveRequirement(runId, requirement.id, resolution))

        const expected = new RequirementRecord({ ...requirement, status: 'resolved', resolution })
        expect(encodeRequirement(returned)).toStrictEqual(encodeRequirement(expected))
        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(expected))
        expect(encodeRequirements(await run(store.listRequirements(runId)))).toStrictEqual(
          encodeRequirements([expected, sibling]),
        )
      })

      test('resolving twice fails with RequirementAlreadyResolved and keeps the first resolution', async (store) => {
        const runId = uid('run')
        const requirement = sampleRequirement(runId, uid('req'))
        await run(store.insertRequirements([requirement]))
        const first = sampleResolution('grace', { approved: true })
        await run(store.resolveRequirement(runId, requirement.id, first))

        const error = await failureOf(
          store.resolveRequirement(
            runId,
            requirement.id,
            sampleResolution('mallory', { approved: false }, T0 + 200),
          ),
        )

        expect(error).toMatchObject({ _tag: 'RequirementAlreadyResolved', requirementId: requirement.id })
        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(
          encodeRequirement(new RequirementRecord({ ...requirement, status: 'resolved', resolution: first })),
        )
      })

      test('resolving an unknown requirement, or through another run, fails with RequirementNotFound', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const requirement = sampleRequirement(runA, uid('req'))
        await run(store.insertRequirements([requirement]))
        const unknownId = uid('req')

        const unknown = await failureOf(store.resolveRequirement(runA, unknownId, sampleResolution('grace')))
        const wrongRun = await failureOf(
          store.resolveRequirement(runB, requirement.id, sampleResolution('grace')),
        )

        expect(unknown).toMatchObject({ _tag: 'RequirementNotFound', runId: runA, requirementId: unknownId })
        expect(wrongRun).toMatchObject({
          _tag: 'RequirementNotFound',
          runId: runB,
          requirementId: requirement.id,
        })
        const stored = someValue(await run(store.getRequirement(runA, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(requirement))
      })

      test('of 50 concurrent resolutions exactly one wins, and its resolution is kept (invariant 2)', async (store) => {
        const runId = uid('run')
        const requirement = sampleRequirement(runId, uid('req'))
        await run(store.insertRequirements([requirement]))
        const resolutions = Array.from({ length: 50 }, (_, i) =>
          sampleResolution(`approver-${i}`, { approved: i % 2 === 0, note: `decision ${i}` }, T0 + 100 + i),
        )

        const { winners, losers } = await race(
          resolutions.map((resolution) => store.resolveRequirement(runId, requirement.id, resolution)),
        )

        expect(winners).toHaveLength(1)
        expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RequirementAlreadyResolved'))
        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(winners[0]!))
        expect(stored.status).toBe('resolved')
      })
    })

    describe('events', () => {
      test('readEvents returns the events after a sequence number, in order, every kind intact', async (store) => {
        const runId = uid('run')
        const events = sampleEvents(runId)
        for (const event of events) await run(store.appendEvent(event))

        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents(events))
        expect(encodeEvents(await run(store.readEvents(runId, 5)))).toStrictEqual(
          encodeEvents(events.slice(5)),
        )
        expect(await run(store.readEvents(runId, events.length))).toStrictEqual([])
      })

      test('a taken sequence number fails with EventSequenceConflict and the first event is kept', async (store) => {
        const runId = uid('run')
        const [started, modelStarted] = sampleEvents(runId)
        await run(store.appendEvent(started!))

        const error = await failureOf(store.appendEvent({ ...modelStarted!, seq: started!.seq }))

        expect(error).toMatchObject({ _tag: 'EventSequenceConflict', runId, seq: started!.seq })
        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents([started!]))
      })

      test('events of two runs do not mix, and number independently', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const [a, b] = [sampleEvents(runA).slice(0, 3), sampleEvents(runB).slice(0, 3)]
        for (const [eventA, eventB] of a.map((event, i) => [event, b[i]!] as const)) {
          await run(store.appendEvent(eventA))
          await run(store.appendEvent(eventB))
        }

        expect(encodeEvents(await run(store.readEvents(runA, 0)))).toStrictEqual(encodeEvents(a))
        expect(encodeEvents(await run(store.readEvents(runB, 0)))).toStrictEqual(encodeEvents(b))
      })

      test('events appended out of order are read back by sequence number', async (store) => {
        const runId = uid('run')
        const [first, second, third] = sampleEvents(runId)
        for (const event of [third!, first!, second!]) await run(store.appendEvent(event))

        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(
          encodeEvents([first!, second!, third!]),
        )
        expect(encodeEvents(await run(store.readEvents(runId, 1)))).toStrictEqual(
          encodeEvents([second!, third!]),
        )
      })
    })

    describe('claims', () => {
      test('a (run, epoch) is claimed once, even by the same owner again', async (store) => {
        const runId = uid('run')
        await run(store.claimRun(runId, 1, 'engine-a'))

        // One engine's concurrent continues share an owner id, so a repeat is a loser too.
        const sameOwner = await failureOf(store.claimRun(runId, 1, 'engine-a'))
        const otherOwner = await failureOf(store.claimRun(runId, 1, 'engine-b'))

        expect(sameOwner).toMatchObject({ _tag: 'RunClaimed', runId, epoch: 1 })
        expect(otherOwner).toMatchObject({ _tag: 'RunClaimed', runId, epoch: 1 })
      })

      test('other epochs and other runs are claimed independently', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        await run(store.claimRun(runA, 0, 'engine-a'))

        await expect(run(store.claimRun(runA, 1, 'engine-b'))).resolves.toBeUndefined()
        await expect(run(store.claimRun(runB, 0, 'engine-a'))).resolves.toBeUndefined()
        await expect(run(store.claimRun(runB, 1, 'engine-a'))).resolves.toBeUndefined()
      })

      test('of 50 concurrent claims of one (run, epoch) exactly one wins (invariant 3)', async (store) => {
        const runId = uid('run')

        const { winners, losers } = await race(
          Array.from({ length: 50 }, (_, i) => store.claimRun(runId, 3, `engine-${i % 5}`)),
        )

        expect(winners).toHaveLength(1)
        expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('RunClaimed'))
      })
    })

    describe('JSON payloads', () => {
      test('JSON payloads round-trip whatever their keys and values', async (store) => {
        const runId = uid('run')
        // Models and plugins produce any JSON: keys MongoDB treats specially must survive too.
        const json = {
          $ref: '#/definitions/order',
          'order.id': 1042,
          '': 'empty key',
          ключ: ['ünïcödé', '😀'],
          nested: { list: [[1, 2], [], {}], nothing: null, yes: true, no: false },
          numbers: [0, -1.5, 2 ** 53 - 1, 1e-7],
        }
        const requirement = sampleRequirement(runId, uid('req'), {
          toolCall: { id: 'call-json', name: 'lookup', args: json },
          request: json,
        })
        const message: Message = {
          _tag: 'Tool',
          toolCallId: 'call-json',
          toolName: 'lookup',
          outcome: 'external',
          content: '',
          args: json,
          result: json,
        }
        const event: RunEvent = {
          _tag: 'ToolCallCompleted',
          runId,
          seq: 1,
          at: T0,
          toolCallId: 'call-json',
          toolName: 'lookup',
          result: json,
        }
        await run(store.insertRequirements([requirement]))
        const resolved = await run(
          store.resolveRequirement(runId, requirement.id, sampleResolution('grace', json)),
        )
        await run(store.appendTranscript(runId, 0, [message]))
        await run(store.appendEvent(event))

        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(resolved))
        expect(stored.resolution?.value).toStrictEqual(json)
        expect(stored.request).toStrictEqual(json)
        expect(stored.toolCall.args).toStrictEqual(json)
        expect(encodeMessages(await run(store.readTranscript(runId, 1)))).toStrictEqual(
          encodeMessages([message]),
        )
        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents([event]))
      })
    })

    describe('stored values are copies', () => {
      // Expectations are deep snapshots: encoding passes JSON payloads through by reference.
      test('changing a run record after writing or reading it leaves the stored one intact', async (store) => {
        const record = sampleRun(uid('run'), { pendingRequirementIds: ['req-1'] })
        const expected = structuredClone(encodeRun(record))
        await run(store.createRun(record))
        ;(record.pendingRequirementIds as Array<string>).push('written')
        ;(record.principal.roles as Array<string>).push('admin')

        const read = someValue(await run(store.getRun(record.runId)))
        ;(read.pendingRequirementIds as Array<string>).push('read')
        ;(read.principal.roles as Array<string>).push('admin')

        expect(encodeRun(someValue(await run(store.getRun(record.runId))))).toStrictEqual(expected)
      })

      test('changing messages after writing or reading them leaves the stored ones intact', async (store) => {
        const runId = uid('run')
        const transcript = sampleTranscript()
        const expected = structuredClone(encodeMessages(transcript))
        await run(store.appendTranscript(runId, 0, transcript))
        tamperWith(transcript)

        tamperWith(await run(store.readTranscript(runId, transcript.length)))

        const stored = await run(store.readTranscript(runId, transcript.length))
        expect(encodeMessages(stored)).toStrictEqual(expected)
      })

      test('changing a requirement or resolution after writing or reading it leaves the stored one intact', async (store) => {
        const runId = uid('run')
        const requirement = sampleRequirement(runId, uid('req'))
        const resolution = sampleResolution('grace', { approved: true, edits: { amount: 100 } })
        const expected = structuredClone(
          encodeRequirement(new RequirementRecord({ ...requirement, status: 'resolved', resolution })),
        )
        await run(store.insertRequirements([requirement]))
        asMutable(asMutable(requirement.request)['evidence'])['photos'] = 0
        const returned = await run(store.resolveRequirement(runId, requirement.id, resolution))
        ;(resolution.resolvedBy.roles as Array<string>).push('admin')
        asMutable(asMutable(resolution.value)['edits'])['amount'] = 1_000_000
        asMutable(returned.request)['message'] = 'changed'

        const read = someValue(await run(store.getRequirement(runId, requirement.id)))
        asMutable(read.toolCall.args)['currency'] = 'USD'
        asMutable(asMutable(read.request)['evidence'])['note'] = 'changed'
        const [listed] = await run(store.listRequirements(runId))
        asMutable(listed!.resolution!.value)['approved'] = false

        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(expected)
      })

      test('changing an event after writing or reading it leaves the stored one intact', async (store) => {
        const runId = uid('run')
        const [resolvedEvent] = sampleEvents(runId).filter((event) => event._tag === 'RequirementResolved')
        const expected = structuredClone(encodeEvents([resolvedEvent!]))
        await run(store.appendEvent(resolvedEvent!))
        asMutable(resolvedEvent!.value)['approved'] = true
        ;(resolvedEvent!.resolvedBy.roles as Array<string>).push('admin')

        const [read] = await run(store.readEvents(runId, 0))
        asMutable(asMutable(read)['value'])['note'] = 'changed'

        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(expected)
      })
    })
  })
}

/** Writes through a readonly view: callers can do so at run time, and a store must not be affected. */
const asMutable = (value: unknown) => value as Record<string, unknown>

const tamperWith = (messages: ReadonlyArray<Message>) => {
  for (const message of messages) {
    asMutable(message)['content'] = 'tampered'
    if (message._tag === 'Assistant') for (const call of message.toolCalls) asMutable(call.args)['amount'] = 0
    if (message._tag === 'Tool' && message.result !== undefined) asMutable(message.result)['tampered'] = true
  }
}
