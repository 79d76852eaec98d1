import { it } from '@effect/vitest'
import { Clock, Effect, Fiber, Stream, TestClock } from 'effect'
import { describe, expect } from 'vitest'
import {
  approval,
  ApprovalRecord,
  type ApprovalUpdate,
  Countersign,
  defineAgent,
  MemoryStore,
  Principal,
  type RunStore,
  ScriptedModel,
} from '../src/index.js'
import { sampleApproval } from '../src/testing/index.js'
import { engineOn, makeLedger, untilSleeping, weatherTool } from './fixtures.js'

/*
 * The approval queue's change feed: replayed from the store after a number, then live, woken at
 * once by its own engine's writes and reading the store for those of other engines (servers
 * sharing the store), each change once and in order, waiting a while for a number that shows up
 * late.
 */

const interval = 250
const grace = 1_000
/** What each engine over the shared store is set up with. */
const engineOptions = { eventPollInterval: interval, approvalChangeGracePeriod: grace }

const approver = new Principal({ id: 'boss-grace', roles: ['approver'] })

/** Lets forked fibers run until `seen` holds `count` updates (or the test fails). */
const untilSeen = (seen: ReadonlyArray<unknown>, count: number) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 10_000 && seen.length < count; turn++) yield* Effect.yieldNow()
    expect(seen).toHaveLength(count)
  })

/** Lets forked fibers run until the follower waits on the TestClock again, for a time still to come: it has read. */
const untilWaitingAgain = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const waiting = Effect.map(
    TestClock.sleeps(),
    (sleeps) => sleeps.length > 0 && [...sleeps].every((at) => at > now),
  )
  for (let turn = 0; turn < 10_000 && !(yield* waiting); turn++) yield* Effect.yieldNow()
  expect(yield* waiting).toBe(true)
})

/** An agent whose first call of the weather tool needs an approver's sign-off. */
const gatedAgent = () =>
  defineAgent({
    id: 'assistant',
    name: 'Assistant',
    model: ScriptedModel.make([
      { toolCalls: [{ name: 'get_the_weather', args: { city: 'Oslo' } }] },
      'Cold.',
    ]),
    tools: [weatherTool(makeLedger(), { approval: approval() })],
  })

/** Lets forked fibers run until one sleeps until `delay` from now: a follower waiting for its next read. */
const untilNextReadIn = (delay: number) =>
  Effect.gen(function* () {
    const due = (yield* Clock.currentTimeMillis) + delay
    const waiting = Effect.map(TestClock.sleeps(), (sleeps) => [...sleeps].includes(due))
    for (let turn = 0; turn < 10_000 && !(yield* waiting); turn++) yield* Effect.yieldNow()
    expect(yield* waiting).toBe(true)
  })

/** Follows the feed in the background, each update pushed to `seen` as it comes. */
const followInto = (feed: Stream.Stream<ApprovalUpdate, unknown>) =>
  Effect.gen(function* () {
    const seen: Array<ApprovalUpdate> = []
    const fiber = yield* Effect.fork(
      Stream.runForEach(feed, (update) => Effect.sync(() => seen.push(update))),
    )
    yield* untilSleeping
    return { seen, fiber }
  })

const summary = (updates: ReadonlyArray<ApprovalUpdate>) =>
  updates.map(({ seq, approvalId, status, approval }) => ({
    seq,
    approvalId,
    status,
    approvalStatus: approval.status,
  }))

describe('following the approval queue', () => {
  it.scoped(
    "hears its own engine's writes at once: raised pending, then approved, with the approval as it stands",
    () =>
      Effect.gen(function* () {
        const store = MemoryStore.make()
        const agent = gatedAgent()
        const engine = yield* engineOn(store, engineOptions)
        const { seen, fiber } = yield* followInto(engine.followApprovals())

        const paused = yield* engine.run(agent, 'Weather in Oslo?')
        const approvalId = paused.activeRequirements[0]!.id
        yield* untilSeen(seen, 1)
        // The clock never moved: the pause was heard through the engine itself.
        expect(summary(seen)).toStrictEqual([
          { seq: 1, approvalId, status: 'pending', approvalStatus: 'pending' },
        ])
        yield* engine.resolve(
          agent,
          paused.runId,
          [{ requirementId: approvalId, value: { approved: true } }],
          {
            principal: approver,
          },
        )
        yield* untilSeen(seen, 2)

        expect(summary(seen)).toStrictEqual([
          { seq: 1, approvalId, status: 'pending', approvalStatus: 'pending' },
          { seq: 2, approvalId, status: 'approved', approvalStatus: 'approved' },
        ])
        expect(seen[1]!.approval).toStrictEqual(yield* Effect.flatten(store.getApproval(approvalId)))
        yield* Fiber.interrupt(fiber)
      }),
  )

  it.scoped("reads other engines' writes from the store at its next read, and replays after a number", () =>
    Effect.gen(function* () {
      const store = MemoryStore.make()
      const agent = gatedAgent()
      const [a, b] = [yield* engineOn(store, engineOptions), yield* engineOn(store, engineOptions)]
      const first = yield* a.run(agent, 'Weather in Oslo?')
      const { seen, fiber } = yield* followInto(b.followApprovals())
      // B's follower has read where to start once it waits for its next read.
      yield* untilNextReadIn(interval)

      const second = yield* a.run(agent, 'Weather in Bergen?')
      // Engine B heard nothing of it: its follower reads the store at its next read.
      expect(seen).toStrictEqual([])
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 1)

      const secondId = second.activeRequirements[0]!.id
      expect(summary(seen)).toStrictEqual([
        { seq: 2, approvalId: secondId, status: 'pending', approvalStatus: 'pending' },
      ])
      // From the start: both, in the order they were raised.
      const replayed = yield* Stream.runCollect(Stream.take(b.followApprovals(0), 2))
      expect([...replayed].map(({ seq, approvalId }) => [seq, approvalId])).toStrictEqual([
        [1, first.activeRequirements[0]!.id],
        [2, secondId],
      ])
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.scoped('waits for a number that shows up late, and delivers it in its place', () =>
    Effect.gen(function* () {
      const late = changeShownLate(MemoryStore.make(), 2)
      const engine = yield* engineOn(late.store, engineOptions)
      const { seen, fiber } = yield* followInto(engine.followApprovals(0))
      const audits = [1, 2, 3].map((n) => sampleApproval('run-1', `audit-${n}`))
      // Written past the engine, as another process would: read at the next read.
      for (const audit of audits) yield* late.store.recordApproval(audit)
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 1)

      // Within the grace period the hole holds the changes after it back.
      yield* TestClock.adjust(grace - interval)
      yield* untilWaitingAgain
      expect(seen.map(({ seq }) => seq)).toStrictEqual([1])
      late.show()
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 3)

      expect(seen.map(({ seq, approvalId }) => [seq, approvalId])).toStrictEqual([
        [1, 'audit-1'],
        [2, 'audit-2'],
        [3, 'audit-3'],
      ])
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.scoped('goes past a number missing for the whole grace period, and never delivers it after', () =>
    Effect.gen(function* () {
      const late = changeShownLate(MemoryStore.make(), 2)
      const engine = yield* engineOn(late.store, engineOptions)
      const { seen, fiber } = yield* followInto(engine.followApprovals(0))
      for (const n of [1, 2, 3]) yield* late.store.recordApproval(sampleApproval('run-1', `audit-${n}`))
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 1)

      yield* TestClock.adjust(grace)
      yield* untilSeen(seen, 2)
      expect(seen.map(({ seq }) => seq)).toStrictEqual([1, 3])
      late.show()
      yield* late.store.recordApproval(sampleApproval('run-1', 'audit-4'))
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 3)

      expect(seen.map(({ seq }) => seq)).toStrictEqual([1, 3, 4])
      yield* Fiber.interrupt(fiber)
    }),
  )
})

describe('the approval queue followed by many', () => {
  /** The store, counting the reads an engine makes of the queue. */
  const counting = (store: RunStore) => {
    const reads = { changes: 0, approvals: 0, lastNumbers: 0 }
    return {
      reads,
      store: {
        ...store,
        lastApprovalChangeSeq: () =>
          Effect.suspend(() => (reads.lastNumbers++, store.lastApprovalChangeSeq())),
        readApprovalChanges: (afterSeq: number, limit: number) =>
          Effect.suspend(() => (reads.changes++, store.readApprovalChanges(afterSeq, limit))),
        getApproval: (approvalId: string) =>
          Effect.suspend(() => (reads.approvals++, store.getApproval(approvalId))),
      } satisfies RunStore,
    }
  }

  it.scoped(
    '1,000 followers on one engine: one read an interval, each change read once, each delivered to all',
    () =>
      Effect.gen(function* () {
        const shared = MemoryStore.make()
        const { store, reads } = counting(shared)
        const agent = gatedAgent()
        // Engine A is another server; B's 1,000 followers hear its writes only through the store.
        const [a, b] = [yield* engineOn(shared, engineOptions), yield* engineOn(store, engineOptions)]
        const followers = []
        for (let index = 0; index < 1_000; index++) followers.push(yield* followInto(b.followApprovals(0)))
        const before = { ...reads }

        const paused = yield* a.run(agent, 'Weather in Oslo?')
        yield* TestClock.adjust(interval)
        for (const { seen } of followers) yield* untilSeen(seen, 1)
        yield* untilWaitingAgain

        const approvalId = paused.activeRequirements[0]!.id
        for (const { seen } of followers)
          expect(summary(seen)).toStrictEqual([
            { seq: 1, approvalId, status: 'pending', approvalStatus: 'pending' },
          ])
        // One read of the queue for the interval, and one of the approval it changed: not 1,000.
        expect(reads.changes - before.changes).toBe(1)
        expect(reads.approvals - before.approvals).toBe(1)
        for (const { fiber } of followers) yield* Fiber.interrupt(fiber)
      }),
  )

  it.scoped('idle, the feed reads the queue’s last number alone; the changes once it moved', () =>
    Effect.gen(function* () {
      const shared = MemoryStore.make()
      const { store, reads } = counting(shared)
      const engine = yield* engineOn(store, engineOptions)
      const { seen, fiber } = yield* followInto(engine.followApprovals())
      yield* untilWaitingAgain
      const before = { ...reads }
      for (let poll = 0; poll < 10; poll++) {
        yield* TestClock.adjust(interval)
        yield* untilWaitingAgain
      }
      expect(reads.changes - before.changes).toBe(0)
      expect(reads.lastNumbers - before.lastNumbers).toBe(10)

      // Written past the engine, as another process would: the number moves, the changes are read.
      yield* shared.recordApproval(sampleApproval('run-1', 'audit-1'))
      yield* TestClock.adjust(interval)
      yield* untilSeen(seen, 1)
      expect(reads.changes - before.changes).toBe(1)
      expect(seen.map(({ approvalId }) => approvalId)).toStrictEqual(['audit-1'])
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.scoped('a follower behind the feed reads what it missed once, then goes on with the feed', () =>
    Effect.gen(function* () {
      const { store, reads } = counting(MemoryStore.make())
      const engine = yield* engineOn(store, engineOptions)
      for (const n of [1, 2, 3]) yield* store.recordApproval(sampleApproval('run-1', `audit-${n}`))
      const ahead = yield* followInto(engine.followApprovals())
      const behind = yield* followInto(engine.followApprovals(1))
      yield* untilSeen(behind.seen, 2)
      yield* store.recordApproval(sampleApproval('run-1', 'audit-4'))
      yield* TestClock.adjust(interval)
      yield* untilSeen(ahead.seen, 1)
      yield* untilSeen(behind.seen, 3)

      expect(ahead.seen.map(({ seq }) => seq)).toStrictEqual([4])
      expect(behind.seen.map(({ seq, approvalId }) => [seq, approvalId])).toStrictEqual([
        [2, 'audit-2'],
        [3, 'audit-3'],
        [4, 'audit-4'],
      ])
      yield* Fiber.interrupt(ahead.fiber)
      yield* Fiber.interrupt(behind.fiber)
      // Nobody follows: the feed stopped, and reads nothing more.
      const stopped = reads.changes
      yield* TestClock.adjust(interval * 4)
      expect(reads.changes).toBe(stopped)
    }),
  )
})

describe('countersign.approvals.changes', () => {
  it.live('lists a page, then follows from its changeSeq: what the page shows, then the decision', () =>
    Effect.promise(async () => {
      const store = MemoryStore.make()
      const app = new Countersign({ agents: [gatedAgent()], store, sweepEvery: false })
      try {
        const paused = await app.run('assistant', 'Weather in Oslo?')
        const approvalId = paused.activeRequirements[0]!.id
        const page = await app.approvals.list({ status: 'pending' })
        expect(page.approvals.map(({ id }) => id)).toStrictEqual([approvalId])
        expect(page.changeSeq).toBe(1)

        const decided = app.approvals.decide(approvalId, { approved: true }, { principal: approver })
        let first: ApprovalUpdate | undefined
        for await (const update of app.approvals.changes(page.changeSeq)) {
          first = update
          break
        }
        await decided

        expect(first).toMatchObject({ seq: 2, approvalId, status: 'approved' })
        expect(first?.approval).toBeInstanceOf(ApprovalRecord)
        expect(first?.approval.resolvedBy?.id).toBe(approver.id)
      } finally {
        await app.dispose()
      }
    }),
  )

  it.live('refuses a starting number that is not a whole number of zero or more', () =>
    Effect.promise(async () => {
      const app = new Countersign({ agents: [gatedAgent()], sweepEvery: false })
      try {
        for (const afterSeq of [-1, 1.5, Number.NaN]) {
          const iterator = app.approvals.changes(afterSeq)[Symbol.asyncIterator]()
          await expect(iterator.next()).rejects.toMatchObject({ _tag: 'InvalidRequest' })
        }
      } finally {
        await app.dispose()
      }
    }),
  )
})

/** The store, its change `hidden` unseen by readers until `show()`: MongoDB may show change n + 1 before n. */
const changeShownLate = (store: RunStore, hidden: number) => {
  let shown = false
  return {
    store: {
      ...store,
      readApprovalChanges: (afterSeq: number, limit: number) =>
        Effect.map(store.readApprovalChanges(afterSeq, limit), (changes) =>
          shown ? changes : changes.filter(({ seq }) => seq !== hidden),
        ),
    } satisfies RunStore,
    show: () => void (shown = true),
  }
}
