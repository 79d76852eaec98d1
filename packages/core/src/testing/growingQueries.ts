import { Effect } from 'effect'
import type { RunStore } from '../RunStore.js'
import { sampleApproval } from './ApprovalConformance.js'
import { samplePrincipal, sampleRequirement, sampleRun } from './StoreConformance.js'

/**
 * Fills a store with `count` runs of seven users (`user-0` … `user-6`) and three agents
 * (`agent-0` … `agent-2`; run `run-i` created at time i): every other one paused on an approval due at 1,000 + i, the others completed, each
 * with a decided audit. What the queries that grow with a store (`growingQueries`) run over.
 */
export const fillStore = (store: RunStore, count: number): Effect.Effect<void, unknown> =>
  Effect.forEach(
    Array.from({ length: count }, (_, index) => index),
    (index) =>
      Effect.gen(function* () {
        const runId = `run-${index}`
        const userId = `user-${index % 7}`
        const base = {
          userId,
          agentId: `agent-${index % 3}`,
          principal: samplePrincipal(userId),
          createdAt: index,
          updatedAt: index,
        }
        yield* store.createRun(sampleRun(runId, base))
        const requirement = sampleRequirement(runId, `req-${index}`, {
          createdAt: index,
          expiresAt: 1_000 + index,
        })
        const paused = index % 2 === 0
        yield* store.commit(
          {
            runId,
            events: [{ _tag: 'RunContinued', runId, seq: 1, at: index }],
            transcriptStart: 0,
            messages: [],
          },
          sampleRun(runId, {
            ...base,
            status: paused ? 'paused' : 'completed',
            lastSeq: 1,
            pendingRequirementIds: paused ? [requirement.id] : [],
          }),
          paused ? [requirement] : [],
        )
        yield* store.recordApproval(sampleApproval(runId, `audit-${index}`, { createdAt: index }))
      }),
    { discard: true },
  )

/**
 * The store calls whose cost grows with the store unless an index serves them, by what they
 * are for: the approval queue, run lists, what the sweeper finds due, what followers read.
 * Over a store `fillStore` filled.
 */
export const growingQueries: ReadonlyArray<
  readonly [string, (store: RunStore) => Effect.Effect<unknown, unknown>]
> = [
  [
    'the pending queue, a page and its count',
    (store) => store.listApprovals({ status: 'pending', offset: 0, limit: 50 }),
  ],
  ['the queue of one user', (store) => store.listApprovals({ userId: 'user-3', offset: 0, limit: 50 })],
  [
    'the pending queue of one user',
    (store) => store.listApprovals({ status: 'pending', userId: 'user-3', offset: 0, limit: 50 }),
  ],
  ['every approval, newest first', (store) => store.listApprovals({ offset: 0, limit: 50 })],
  ['a user’s runs', (store) => store.listRuns({ userId: 'user-3', offset: 0, limit: 20 })],
  ['everyone’s runs', (store) => store.listRuns({ offset: 0, limit: 20 })],
  ['runs of a status', (store) => store.listRuns({ status: 'paused', offset: 0, limit: 20 })],
  ['runs of an agent', (store) => store.listRuns({ agentId: 'agent-1', offset: 0, limit: 20 })],
  [
    'a user’s runs of a status',
    (store) => store.listRuns({ userId: 'user-3', status: 'paused', offset: 0, limit: 20 }),
  ],
  ['a later page of runs', (store) => store.listRuns({ offset: 100, limit: 20 })],
  ['what the sweeper finds due', (store) => store.listExpired(1_100, 100)],
  ['a follower’s read of a run', (store) => store.readEvents('run-7', 0)],
  [
    'the engine’s one read of every followed run',
    (store) =>
      store.readEventsOfRuns(
        [
          { runId: 'run-7', afterSeq: 0 },
          { runId: 'run-8', afterSeq: 0 },
        ],
        500,
      ),
  ],
  ['the queue’s changes after a number', (store) => store.readApprovalChanges(100, 100)],
]
