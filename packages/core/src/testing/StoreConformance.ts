import { Effect, Either, Option, Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Message } from '../Message.js'
import { Principal } from '../Principal.js'
import { RequirementRecord, Resolution } from '../Requirement.js'
import {
  maxRunPageSize,
  maxRunSearchLength,
  RunQuery as RunQueryOf,
  RunRecord,
  type RunQuery,
} from '../Run.js'
import { RunEvent } from '../RunEvent.js'
import { describeApprovalChangeConformance } from './ApprovalChangeConformance.js'
import { describeApprovalConformance } from './ApprovalConformance.js'
import { describeEventsOfRunsConformance } from './EventsOfRunsConformance.js'
import { describeLeaseConformance } from './LeaseConformance.js'
import { describeOutboxConformance } from './OutboxConformance.js'
import { describeSweeperLeaseConformance } from './SweeperLeaseConformance.js'
import { expectTotalsCountedToTheLimit, pastFirstCountLimit } from './cappedTotals.js'
import { failureOf } from './failureOf.js'
import type { JournalBatch, RunStore } from '../RunStore.js'

/** A store to test, and how to release it. */
export interface StoreUnderTest {
  readonly store: RunStore
  /** Called after every test, passed or failed. */
  readonly close?: () => Promise<void>
}

// Fixed times keep failures reproducible; only their order matters to a store.
export const T0 = 1_767_225_600_000

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
    decisions: { approved: 2, edited: 1, rejected: 1, expired: 0 },
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

/** A batch as a writer stores it. */
export const batchOf = (
  runId: string,
  events: ReadonlyArray<RunEvent>,
  transcriptStart = 0,
  messages: ReadonlyArray<Message> = [],
): JournalBatch => ({ runId, events, transcriptStart, messages })

export const pausedEvent = (
  runId: string,
  seq: number,
  requirements: ReadonlyArray<RequirementRecord>,
): RunEvent => ({ _tag: 'RunPaused', runId, seq, at: T0 + seq, requirements })

const encodeRun = Schema.encodeSync(RunRecord)
const encodeMessages = Schema.encodeSync(Schema.Array(Message))
const encodeRequirement = Schema.encodeSync(RequirementRecord)
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeEvents = Schema.encodeSync(Schema.Array(RunEvent))

export const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** The time of a test that stores past a page's count limit: over a thousand writes, on a busy server too. */
export const fillingPastCountLimit = 60_000

export const someValue = <A>(option: Option.Option<A>): A =>
  Option.getOrThrowWith(option, () => new Error('expected Option.some, got Option.none'))

/** The typed failures of the callers that lost, and the results of those that won. */
export const race = async <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>) => {
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

  const test = (title: string, body: (store: RunStore) => Promise<void>, timeout?: number) =>
    it(
      title,
      async () => {
        const { store, close } = await makeStore()
        try {
          await body(store)
        } finally {
          await close?.()
        }
      },
      timeout,
    )

  /** A run created, then paused by one commit raising `requirements` with its event at `seq`. */
  const pausedWith = async (
    store: RunStore,
    requirements: ReadonlyArray<RequirementRecord>,
    options: { readonly runId?: string; readonly seq?: number; readonly create?: boolean } = {},
  ) => {
    const runId = options.runId ?? requirements[0]?.runId ?? uid('run')
    const seq = options.seq ?? 1
    if (options.create ?? true) await run(store.createRun(sampleRun(runId)))
    const record = sampleRun(runId, {
      status: 'paused',
      lastSeq: seq,
      pendingRequirementIds: requirements.map(({ id }) => id),
    })
    await run(store.commit(batchOf(runId, [pausedEvent(runId, seq, requirements)]), record, requirements))
    return record
  }

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

      test('a record its Schema refuses fails the write with a StoreError, and nothing of the write is stored', async (store) => {
        // Made without their checks, as an engine with a bug could: an epoch and a sequence number must be whole.
        const broken = new RunRecord({ ...sampleRun(uid('run')), epoch: 0.5 }, true)
        const created = sampleRun(uid('run'))
        const [first, second] = sampleEvents(created.runId)
        const events = [
          { ...first!, seq: 1 },
          { ...second!, seq: 2.5 },
        ]

        const refusedRun = await failureOf(store.createRun(broken))
        await run(store.createRun(created))
        const refusedEvent = await failureOf(store.appendBatch(batchOf(created.runId, events)))
        const refusedRecord = await failureOf(
          store.commit(
            batchOf(created.runId, [{ ...first!, seq: 1 }]),
            new RunRecord({ ...created, lastSeq: 1, epoch: 1.5 }, true),
            [],
          ),
        )

        expect([refusedRun, refusedEvent, refusedRecord].map((error) => error._tag)).toStrictEqual([
          'StoreError',
          'StoreError',
          'StoreError',
        ])
        expect(Option.isNone(await run(store.getRun(broken.runId)))).toBe(true)
        // Neither the batch's sound first event nor the commit's was stored.
        expect(await run(store.readEvents(created.runId, 0))).toStrictEqual([])
        expect(encodeRun(someValue(await run(store.getRun(created.runId))))).toStrictEqual(encodeRun(created))
      })

      test('commit replaces the whole record, dropping fields the new one lacks', async (store) => {
        const created = sampleRun(uid('run'))
        await run(store.createRun(created))
        const { error: _dropped, ...rest } = created
        const committed = new RunRecord({
          ...rest,
          status: 'completed',
          epoch: 1,
          content: 'Refunded',
          transcriptLength: 0,
          lastSeq: 2,
          updatedAt: T0 + 50,
        })
        const events = sampleEvents(created.runId)
        const completed = { ...events.find((event) => event._tag === 'RunCompleted')!, seq: 2 }

        await run(store.commit(batchOf(created.runId, [{ ...events[0]!, seq: 1 }, completed]), committed, []))

        expect(encodeRun(someValue(await run(store.getRun(created.runId))))).toStrictEqual(
          encodeRun(committed),
        )
      })
    })

    describe('listing runs', () => {
      const ids = (page: { readonly runs: ReadonlyArray<RunRecord> }) => page.runs.map(({ runId }) => runId)
      const query = (fields: Partial<RunQuery>): RunQuery => ({ offset: 0, limit: 20, ...fields })
      /** Pauses a created run on one requirement: its record becomes `created`'s, paused. */
      const pause = async (store: RunStore, created: RunRecord) => {
        const requirements = [sampleRequirement(created.runId, uid('req'))]
        const paused = new RunRecord({
          ...created,
          status: 'paused',
          lastSeq: 1,
          pendingRequirementIds: requirements.map(({ id }) => id),
          updatedAt: created.updatedAt + 5,
        })
        await run(
          store.commit(
            batchOf(created.runId, [pausedEvent(created.runId, 1, requirements)]),
            paused,
            requirements,
          ),
        )
        return paused
      }

      test("listRuns: a user's root runs as of their last stop, newest first (ties by id), paged, with the total", async (store) => {
        const userId = uid('user')
        const [a, b, c] = [uid('run'), uid('run'), uid('run')].sort()
        const first = sampleRun(a!, { userId, createdAt: T0 + 1 })
        await run(store.createRun(first))
        await run(store.createRun(sampleRun(c!, { userId, createdAt: T0 + 2 })))
        await run(store.createRun(sampleRun(b!, { userId, createdAt: T0 + 2 })))
        // A member's run and another user's run are not listed.
        await run(store.createRun(sampleRun(uid('run'), { userId, createdAt: T0 + 3, parentRunId: a! })))
        await run(store.createRun(sampleRun(uid('run'), { userId: uid('user'), createdAt: T0 + 4 })))
        const paused = await pause(store, first)

        const all = await run(store.listRuns(query({ userId })))
        expect(ids(all)).toStrictEqual([b, c, a])
        expect(all.total).toBe(3)
        expect(encodeRun(all.runs[2]!)).toStrictEqual(encodeRun(paused))
        const second = await run(store.listRuns(query({ userId, offset: 1, limit: 1 })))
        expect([ids(second), second.total]).toStrictEqual([[c], 3])
        expect(all.totalExact).toBe(true)
        expect(await run(store.listRuns(query({ userId, offset: 3 })))).toStrictEqual({
          runs: [],
          total: 3,
          totalExact: true,
        })
        expect(await run(store.listRuns(query({ userId: uid('user') })))).toStrictEqual({
          runs: [],
          total: 0,
          totalExact: true,
        })
      })

      test(
        "listRuns counts to a bound set by the page: past it the total is the bound, marked inexact; a deep page counts past itself; another user's runs never count",
        async (store) => {
          const userId = uid('user')
          const other = uid('user')
          const runIds = Array.from({ length: pastFirstCountLimit }, () => uid('run'))
          await run(
            Effect.forEach(
              runIds,
              (runId, index) => store.createRun(sampleRun(runId, { userId, createdAt: T0 + index })),
              { concurrency: 8, discard: true },
            ),
          )
          // Newer than every one of the user's: were they counted, the user's totals would be off.
          const othersRuns = [uid('run'), uid('run'), uid('run')]
          for (const [index, runId] of othersRuns.entries())
            await run(
              store.createRun(sampleRun(runId, { userId: other, createdAt: T0 + runIds.length + index })),
            )
          const newestFirst = runIds.toReversed()
          const listed = async (fields: Partial<RunQuery>) => {
            const page = await run(store.listRuns(query({ userId, ...fields })))
            return { ids: ids(page), total: page.total, totalExact: page.totalExact }
          }

          await expectTotalsCountedToTheLimit(listed, newestFirst)
          expect(await listed({ userId: other, limit: 1 })).toStrictEqual({
            ids: othersRuns.slice(-1),
            total: othersRuns.length,
            totalExact: true,
          })
        },
        fillingPastCountLimit,
      )

      test('listRuns at the largest offset the query takes answers an empty page, its total exact', async (store) => {
        const userId = uid('user')
        for (const index of [1, 2])
          await run(store.createRun(sampleRun(uid('run'), { userId, createdAt: T0 + index })))
        const deepest = RunQueryOf.make({ userId, offset: Number.MAX_SAFE_INTEGER, limit: maxRunPageSize })
        expect(await run(store.listRuns(deepest))).toStrictEqual({ runs: [], total: 2, totalExact: true })
      })

      test('listRuns filters by status and by the agent run, together or alone', async (store) => {
        const userId = uid('user')
        const agentId = uid('agent')
        const [x, y, z] = [uid('run'), uid('run'), uid('run')]
        const first = sampleRun(x, { userId, agentId, createdAt: T0 + 1 })
        await run(store.createRun(first))
        await run(store.createRun(sampleRun(y, { userId, createdAt: T0 + 2 })))
        await run(store.createRun(sampleRun(z, { userId, agentId, createdAt: T0 + 3 })))
        await pause(store, first)

        expect(ids(await run(store.listRuns(query({ userId, status: 'paused' }))))).toStrictEqual([x])
        expect(ids(await run(store.listRuns(query({ userId, agentId }))))).toStrictEqual([z, x])
        expect(ids(await run(store.listRuns(query({ userId, agentId, status: 'running' }))))).toStrictEqual([
          z,
        ])
        // Without a user: every user's runs of the agent.
        expect(ids(await run(store.listRuns(query({ agentId }))))).toStrictEqual([z, x])
      })

      test('listRuns: search finds a run by a prefix of its id, its agent, its input or its answer, ignoring case', async (store) => {
        const userId = uid('user')
        const agentId = uid('Billing-Agent')
        const byInput = uid('run')
        const byAnswer = uid('run')
        const byAgent = uid('run')
        const byId = uid('Needle')
        await run(
          store.createRun(
            sampleRun(byInput, { userId, input: 'Refund the BROKEN Teapot', createdAt: T0 + 1 }),
          ),
        )
        await run(store.createRun(sampleRun(byAnswer, { userId, createdAt: T0 + 2 })))
        const completed: RunEvent = {
          _tag: 'RunCompleted',
          runId: byAnswer,
          content: 'The teapot was refunded',
          seq: 1,
          at: T0 + 3,
        }
        await run(
          store.commit(
            batchOf(byAnswer, [completed]),
            sampleRun(byAnswer, {
              userId,
              status: 'completed',
              content: 'The teapot was refunded',
              lastSeq: 1,
              createdAt: T0 + 2,
            }),
            [],
          ),
        )
        await run(store.createRun(sampleRun(byAgent, { userId, agentId, createdAt: T0 + 3 })))
        await run(store.createRun(sampleRun(byId, { userId, createdAt: T0 + 4 })))
        // A member's run is found through its root only.
        await run(
          store.createRun(
            sampleRun(uid('run'), { userId, input: 'teapot', parentRunId: byInput, createdAt: T0 + 5 }),
          ),
        )

        const found = (search: string, fields: Partial<RunQuery> = {}) =>
          run(store.listRuns(query({ userId, search, ...fields })))
        expect(ids(await found('TEAPOT'))).toStrictEqual([byAnswer, byInput])
        expect((await found('teaPot')).total).toBe(2)
        expect(ids(await found('teapot', { limit: 1, offset: 1 }))).toStrictEqual([byInput])
        expect((await found('teapot', { limit: 1, offset: 1 })).total).toBe(2)
        expect(ids(await found('teapot', { status: 'completed' }))).toStrictEqual([byAnswer])
        expect(ids(await found(agentId.slice(0, 14).toLowerCase()))).toStrictEqual([byAgent])
        expect(ids(await found(byId.slice(0, -1).toUpperCase()))).toStrictEqual([byId])
        // Only a prefix of the id: the rest of it is not found.
        expect(await found(byId.slice(2))).toStrictEqual({ runs: [], total: 0, totalExact: true })
        expect(await found('kettle')).toStrictEqual({ runs: [], total: 0, totalExact: true })
      })

      test('listRuns: search takes its text literally: LIKE wildcards, regex metacharacters, escapes', async (store) => {
        const userId = uid('user')
        const literal = uid('run')
        await run(
          store.createRun(
            sampleRun(literal, {
              userId,
              input: String.raw`100% off_all (a.* b) c\d [x]`,
              createdAt: T0 + 1,
            }),
          ),
        )
        await run(
          store.createRun(
            sampleRun(uid('run'), { userId, input: 'one hundred off all, a b c d x', createdAt: T0 + 2 }),
          ),
        )
        const found = async (search: string) => [
          search,
          ids(await run(store.listRuns(query({ userId, search })))),
        ]
        for (const search of ['%', '_', '.*', '(', ')', '[x]', '\\', String.raw`c\d`, '0% o', 'F_A'])
          expect(await found(search)).toStrictEqual([search, [literal]])
        // What the input does not hold finds nothing, rather than everything.
        for (const search of ['^', '$', '.+', '|', String.raw`\w`, '%%', '__', '\\%', 'a%b', 'a_b'])
          expect(await found(search)).toStrictEqual([search, []])
        // A pattern that would backtrack for ever as a regex is only text.
        expect(await found(`${'(a+)+'.repeat(6)}!`)).toStrictEqual([`${'(a+)+'.repeat(6)}!`, []])
      })

      test('listRuns: a run keeps the count of its decisions, and runs stored without one read back without it', async (store) => {
        const counted = sampleRun(uid('run'), {
          decisions: { approved: 1, edited: 0, rejected: 3, expired: 1 },
        })
        const { decisions: _, ...rest } = sampleRun(uid('run'))
        const uncounted = new RunRecord(rest)
        await run(store.createRun(counted))
        await run(store.createRun(uncounted))
        expect(encodeRun(Option.getOrThrow(await run(store.getRun(counted.runId))))).toStrictEqual(
          encodeRun(counted),
        )
        const read = Option.getOrThrow(await run(store.getRun(uncounted.runId)))
        expect(read.decisions).toBeUndefined()
        expect(encodeRun(read)).toStrictEqual(encodeRun(uncounted))
      })

      test('RunQuery refuses a search that is empty or longer than maxRunSearchLength, with a parse error', async () => {
        const decode = Schema.decodeUnknownEither(RunQueryOf)
        expect(Either.isRight(decode({ search: 'x'.repeat(maxRunSearchLength) }))).toBe(true)
        for (const search of ['', 'x'.repeat(maxRunSearchLength + 1), 42]) {
          const decoded = decode({ search })
          expect(Either.isLeft(decoded) && decoded.left._tag).toBe('ParseError')
        }
      })
    })

    describe('journal', () => {
      test('batches read back in order: events after a sequence number, the whole transcript', async (store) => {
        const runId = uid('run')
        const events = sampleEvents(runId)
        const transcript = sampleTranscript()
        await run(store.appendBatch(batchOf(runId, events.slice(0, 2), 0, transcript.slice(0, 2))))
        await run(store.appendBatch(batchOf(runId, events.slice(2, 5), 2, [])))
        await run(store.appendBatch(batchOf(runId, events.slice(5), 2, transcript.slice(2))))

        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents(events))
        expect(encodeEvents(await run(store.readEvents(runId, 5)))).toStrictEqual(
          encodeEvents(events.slice(5)),
        )
        expect(await run(store.readEvents(runId, events.length))).toStrictEqual([])
        expect(encodeMessages(await run(store.readTranscript(runId)))).toStrictEqual(
          encodeMessages(transcript),
        )
        expect(await run(store.readTranscript(uid('run')))).toStrictEqual([])
      })

      test('a batch whose first sequence number is taken is refused whole', async (store) => {
        const runId = uid('run')
        const [started, modelStarted, content] = sampleEvents(runId)
        const [user, assistant] = sampleTranscript()
        await run(store.appendBatch(batchOf(runId, [started!], 0, [user!])))

        const error = await failureOf(
          store.appendBatch(
            batchOf(
              runId,
              [
                { ...modelStarted!, seq: 1 },
                { ...content!, seq: 2 },
              ],
              1,
              [assistant!],
            ),
          ),
        )

        expect(error).toMatchObject({ _tag: 'EventSequenceConflict', runId, seq: 1 })
        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents([started!]))
        expect(encodeMessages(await run(store.readTranscript(runId)))).toStrictEqual(encodeMessages([user!]))
      })

      test('a commit whose first sequence number is taken changes nothing', async (store) => {
        const requirement = sampleRequirement(uid('run'), uid('req'))
        const paused = await pausedWith(store, [requirement])
        const [user] = sampleTranscript()
        const late = sampleRequirement(paused.runId, uid('req'))

        const error = await failureOf(
          store.commit(
            batchOf(paused.runId, [pausedEvent(paused.runId, 1, [late])], 0, [user!]),
            sampleRun(paused.runId, { status: 'paused', lastSeq: 1, pendingRequirementIds: [late.id] }),
            [late],
          ),
        )

        expect(error).toMatchObject({ _tag: 'EventSequenceConflict', runId: paused.runId, seq: 1 })
        expect(encodeRun(someValue(await run(store.getRun(paused.runId))))).toStrictEqual(encodeRun(paused))
        expect(encodeRequirements(await run(store.listRequirements(paused.runId)))).toStrictEqual(
          encodeRequirements([requirement]),
        )
        expect(await run(store.readTranscript(paused.runId))).toStrictEqual([])
        expect((await run(store.readEvents(paused.runId, 0))).map((event) => event.seq)).toStrictEqual([1])
      })

      test('createRun with a first batch stores both; a taken run id stores neither', async (store) => {
        const created = sampleRun(uid('run'))
        const runId = created.runId
        const [started, modelStarted] = sampleEvents(runId)
        const [user, assistant] = sampleTranscript()
        await run(store.createRun(created, batchOf(runId, [started!], 0, [user!])))

        const error = await failureOf(
          store.createRun(
            sampleRun(runId, { input: 'a second run' }),
            batchOf(runId, [{ ...modelStarted!, seq: 1 }], 0, [assistant!]),
          ),
        )

        expect(error).toMatchObject({ _tag: 'RunAlreadyExists', runId })
        expect(encodeRun(someValue(await run(store.getRun(runId))))).toStrictEqual(encodeRun(created))
        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(encodeEvents([started!]))
        expect(encodeMessages(await run(store.readTranscript(runId)))).toStrictEqual(encodeMessages([user!]))
      })

      test('a batch records its decisions with it; one that lost, or names no requirement of the run, refuses it', async (store) => {
        const runId = uid('run')
        const [decided, other] = [sampleRequirement(runId, uid('req')), sampleRequirement(runId, uid('req'))]
        await pausedWith(store, [decided, other])
        const resolution = sampleResolution('grace')
        const claim = { _tag: 'RunContinued', runId, seq: 2, at: T0 + 2 } as const

        await run(
          store.appendBatch({
            ...batchOf(runId, [claim]),
            decisions: [{ requirementId: decided.id, resolution }],
          }),
        )

        const expected = new RequirementRecord({ ...decided, status: 'resolved', resolution })
        expect(
          encodeRequirement(someValue(await run(store.getRequirement(runId, decided.id)))),
        ).toStrictEqual(encodeRequirement(expected))
        expect((await run(store.readEvents(runId, 1))).map((event) => event.seq)).toStrictEqual([2])
        const again = await failureOf(
          store.appendBatch({
            ...batchOf(runId, [{ ...claim, seq: 3 }]),
            decisions: [{ requirementId: decided.id, resolution: sampleResolution('mallory') }],
          }),
        )
        const elsewhere = await failureOf(
          store.appendBatch({
            ...batchOf(runId, [{ ...claim, seq: 3 }]),
            decisions: [{ requirementId: uid('req'), resolution }],
          }),
        )
        expect(again).toMatchObject({ _tag: 'RequirementAlreadyResolved', requirementId: decided.id })
        expect(elsewhere).toMatchObject({ _tag: 'RequirementNotFound', runId })
        expect((await run(store.readEvents(runId, 1))).map((event) => event.seq)).toStrictEqual([2])
        expect(
          encodeRequirement(someValue(await run(store.getRequirement(runId, decided.id)))),
        ).toStrictEqual(encodeRequirement(expected))
        expect(someValue(await run(store.getRequirement(runId, other.id))).status).toBe('pending')
      })

      test('of 20 claims carrying the same decision exactly one is stored', async (store) => {
        const runId = uid('run')
        const requirement = sampleRequirement(runId, uid('req'))
        await pausedWith(store, [requirement])

        const { winners, losers } = await race(
          Array.from({ length: 20 }, (_, index) =>
            store.appendBatch({
              ...batchOf(runId, [{ _tag: 'RunContinued', runId, seq: 2, at: T0 + index }]),
              decisions: [
                { requirementId: requirement.id, resolution: sampleResolution(`approver-${index}`) },
              ],
            }),
          ),
        )

        expect(winners).toHaveLength(1)
        expect(
          losers.every(
            ({ _tag }) => _tag === 'RequirementAlreadyResolved' || _tag === 'EventSequenceConflict',
          ),
        ).toBe(true)
        const [claim] = await run(store.readEvents(runId, 1))
        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(stored.resolution?.resolvedBy.id).toBe(`approver-${claim!.at - T0}`)
      })

      test('journals of two runs do not mix, and number independently', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const [a, b] = [sampleEvents(runA).slice(0, 3), sampleEvents(runB).slice(0, 3)]
        const said = (text: string): Message => ({ _tag: 'User', content: text })
        for (const index of [0, 1, 2]) {
          await run(store.appendBatch(batchOf(runA, [a[index]!], index, [said(`A${index}`)])))
          await run(store.appendBatch(batchOf(runB, [b[index]!], index, [said(`B${index}`)])))
        }

        expect(encodeEvents(await run(store.readEvents(runA, 0)))).toStrictEqual(encodeEvents(a))
        expect(encodeEvents(await run(store.readEvents(runB, 0)))).toStrictEqual(encodeEvents(b))
        expect((await run(store.readTranscript(runB))).map((message) => message.content)).toStrictEqual([
          'B0',
          'B1',
          'B2',
        ])
      })

      test('of 50 writers appending at the same sequence number exactly one wins (invariant 3)', async (store) => {
        const runId = uid('run')
        const started = (input: string): RunEvent => ({
          _tag: 'RunStarted',
          runId,
          seq: 1,
          at: T0,
          agentId: 'refund-agent',
          input,
        })

        const { winners, losers } = await race(
          Array.from({ length: 50 }, (_, i) =>
            store.appendBatch(
              batchOf(runId, [started(`writer ${i}`)], 0, [{ _tag: 'User', content: `writer ${i}` }]),
            ),
          ),
        )

        expect(winners).toHaveLength(1)
        expect(losers.map((error) => error._tag)).toStrictEqual(Array(49).fill('EventSequenceConflict'))
        const [stored] = await run(store.readEvents(runId, 0))
        const transcript = await run(store.readTranscript(runId))
        expect(transcript).toHaveLength(1)
        // The events and the messages kept are the same writer's.
        expect(stored?._tag === 'RunStarted' && stored.input).toBe(transcript[0]?.content)
      })
    })

    describe('requirements', () => {
      test("listRequirements returns a run's own requirements, oldest stop first, each stop's in its order", async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        // One pause writes its batch with a single timestamp, and ids in no particular order.
        const pauseId = uid('req')
        const firstPause = ['z', 'm', 'a'].map((suffix) => sampleRequirement(runA, `${pauseId}-${suffix}`))
        const other = [sampleRequirement(runB, uid('req'))]
        const secondPause = [
          sampleRequirement(runA, uid('req'), { epoch: 1, createdAt: T0 + 20, kind: 'user_input' }),
        ]
        await pausedWith(store, firstPause)
        await pausedWith(store, other)
        const decided = []
        for (const requirement of firstPause)
          decided.push(await run(store.resolveRequirement(runA, requirement.id, sampleResolution('grace'))))
        await pausedWith(store, secondPause, { seq: 2, create: false })

        expect(encodeRequirements(await run(store.listRequirements(runA)))).toStrictEqual(
          encodeRequirements([...decided, ...secondPause]),
        )
        expect(encodeRequirements(await run(store.listRequirements(runB)))).toStrictEqual(
          encodeRequirements(other),
        )
        expect(await run(store.listRequirements(uid('run')))).toStrictEqual([])
      })

      test('getRequirement finds a requirement through its own run only', async (store) => {
        const [runA, runB] = [uid('run'), uid('run')]
        const requirement = sampleRequirement(runA, uid('req'))
        await pausedWith(store, [requirement])
        await pausedWith(store, [sampleRequirement(runB, uid('req'))])

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
        await pausedWith(store, [requirement, sibling])
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
        await pausedWith(store, [requirement])
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
        await pausedWith(store, [requirement])
        await run(store.createRun(sampleRun(runB)))
        const unknownId = uid('req')

        const unknown = await failureOf(store.resolveRequirement(runA, unknownId, sampleResolution('grace')))
        const wrongRun = await failureOf(
          store.resolveRequirement(runB, requirement.id, sampleResolution('grace')),
        )
        const noRun = await failureOf(
          store.resolveRequirement(uid('run'), unknownId, sampleResolution('grace')),
        )

        expect(unknown).toMatchObject({ _tag: 'RequirementNotFound', runId: runA, requirementId: unknownId })
        expect(wrongRun).toMatchObject({
          _tag: 'RequirementNotFound',
          runId: runB,
          requirementId: requirement.id,
        })
        expect(noRun).toMatchObject({ _tag: 'RequirementNotFound', requirementId: unknownId })
        const stored = someValue(await run(store.getRequirement(runA, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(requirement))
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
          seq: 2,
          at: T0,
          toolCallId: 'call-json',
          toolName: 'lookup',
          result: json,
        }
        await pausedWith(store, [requirement])
        const resolved = await run(
          store.resolveRequirement(runId, requirement.id, sampleResolution('grace', json)),
        )
        await run(store.appendBatch(batchOf(runId, [event], 0, [message])))

        const stored = someValue(await run(store.getRequirement(runId, requirement.id)))
        expect(encodeRequirement(stored)).toStrictEqual(encodeRequirement(resolved))
        expect(stored.resolution?.value).toStrictEqual(json)
        expect(stored.request).toStrictEqual(json)
        expect(stored.toolCall.args).toStrictEqual(json)
        expect(encodeMessages(await run(store.readTranscript(runId)))).toStrictEqual(
          encodeMessages([message]),
        )
        expect(encodeEvents(await run(store.readEvents(runId, 1)))).toStrictEqual(encodeEvents([event]))
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
        const [started] = sampleEvents(runId)
        await run(store.appendBatch(batchOf(runId, [started!], 0, transcript)))
        tamperWith(transcript)

        tamperWith(await run(store.readTranscript(runId)))

        const stored = await run(store.readTranscript(runId))
        expect(encodeMessages(stored)).toStrictEqual(expected)
      })

      test('changing a requirement or resolution after writing or reading it leaves the stored one intact', async (store) => {
        const runId = uid('run')
        const requirement = sampleRequirement(runId, uid('req'))
        const resolution = sampleResolution('grace', { approved: true, edits: { amount: 100 } })
        const expected = structuredClone(
          encodeRequirement(new RequirementRecord({ ...requirement, status: 'resolved', resolution })),
        )
        await pausedWith(store, [requirement])
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
        const [decided] = sampleEvents(runId).filter((event) => event._tag === 'RequirementResolved')
        const resolvedEvent = { ...decided!, seq: 1 }
        const expected = structuredClone(encodeEvents([resolvedEvent]))
        await run(store.appendBatch(batchOf(runId, [resolvedEvent])))
        asMutable(resolvedEvent.value)['approved'] = true
        ;(resolvedEvent.resolvedBy.roles as Array<string>).push('admin')

        const [read] = await run(store.readEvents(runId, 0))
        asMutable(asMutable(read)['value'])['note'] = 'changed'

        expect(encodeEvents(await run(store.readEvents(runId, 0)))).toStrictEqual(expected)
      })
    })

    describeApprovalConformance({ test, uid })
    describeApprovalChangeConformance({ test, uid })
    describeLeaseConformance({ test, uid })
    describeOutboxConformance({ test, uid })
    describeEventsOfRunsConformance({ test, uid })
    describeSweeperLeaseConformance({ test, uid })
  })
}

/** Writes through a readonly view: callers can do so at run time, and a store must not be affected. */
export const asMutable = (value: unknown) => value as Record<string, unknown>

const tamperWith = (messages: ReadonlyArray<Message>) => {
  for (const message of messages) {
    asMutable(message)['content'] = 'tampered'
    if (message._tag === 'Assistant') for (const call of message.toolCalls) asMutable(call.args)['amount'] = 0
    if (message._tag === 'Tool' && message.result !== undefined) asMutable(message.result)['tampered'] = true
  }
}
