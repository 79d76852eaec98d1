import {
  type Message,
  Principal,
  RequirementRecord,
  Resolution,
  type RunEvent,
  RunRecord,
  type RunStore,
} from '@countersign/core'
import { Effect } from 'effect'

/*
 * Built here rather than from `@countersign/core/testing`, whose module loads vitest: the crash
 * test's child process writes this run too, outside vitest.
 */
const T0 = 1_767_225_600_000
const ada = new Principal({ id: 'user-ada', roles: ['user'] })

const record = (runId: string, changes: Partial<RunRecord> = {}) =>
  new RunRecord({
    schemaVersion: 1,
    runId,
    agentId: 'refund-agent',
    userId: 'user-ada',
    principal: ada,
    status: 'running',
    epoch: 0,
    input: 'Refund order #1042 and tell the customer',
    content: '',
    transcriptLength: 0,
    lastSeq: 0,
    pendingRequirementIds: [],
    createdAt: T0,
    updatedAt: T0,
    ...changes,
  })

const requirement = (runId: string, id: string, name: string, args: Record<string, unknown>) =>
  new RequirementRecord({
    id,
    runId,
    epoch: 1,
    kind: 'confirmation',
    toolCall: { id: `call-${id}`, name, args },
    request: { message: `Run ${name}?` },
    status: 'pending',
    createdAt: T0 + 10,
  })

/** Everything stored about a run paused on two requirements, one of them already decided. */
export const pausedRun = (runId: string) => {
  const requirements = [
    requirement(runId, `${runId}-a`, 'issue_refund', { orderId: 1042, amount: 129.5 }),
    requirement(runId, `${runId}-b`, 'send_email', { to: 'ada@example.com', tags: ['refund', null] }),
  ]
  const transcript: Array<Message> = [
    { _tag: 'User', content: 'Refund order #1042 and tell the customer' },
    {
      _tag: 'Assistant',
      content: 'Refunding, then writing to the customer.',
      toolCalls: requirements.map(({ toolCall }) => toolCall),
    },
  ]
  const events: Array<RunEvent> = [
    { _tag: 'RunStarted', runId, seq: 1, at: T0 + 1, agentId: 'refund-agent', input: 'Refund #1042' },
    { _tag: 'ModelRequestStarted', runId, seq: 2, at: T0 + 2, model: 'scripted' },
    { _tag: 'RunContent', runId, seq: 3, at: T0 + 3, delta: 'Refunding, ' },
    { _tag: 'ModelRequestCompleted', runId, seq: 4, at: T0 + 4, model: 'scripted' },
    { _tag: 'RunPaused', runId, seq: 5, at: T0 + 5, requirements },
  ]
  return {
    runId,
    transcript,
    requirements,
    resolution: new Resolution({
      value: { approved: true, note: 'photos checked' },
      resolvedBy: new Principal({ id: 'grace', roles: ['finance'] }),
      resolvedAt: T0 + 100,
    }),
    events,
    record: record(runId, {
      status: 'paused',
      epoch: 1,
      transcriptLength: transcript.length,
      lastSeq: events.length,
      pendingRequirementIds: requirements.map(({ id }) => id),
      updatedAt: T0 + 6,
    }),
  }
}
export type PausedRun = ReturnType<typeof pausedRun>

/** Writes the run as the engine does: created, a first batch, then the pause committed; one decision made. */
export const writePausedRun = (store: RunStore, run: PausedRun) =>
  Effect.gen(function* () {
    const { runId, events, transcript } = run
    yield* store.createRun(record(runId))
    yield* store.appendBatch({
      runId,
      events: events.slice(0, 2),
      transcriptStart: 0,
      messages: transcript.slice(0, 1),
    })
    yield* store.commit(
      { runId, events: events.slice(2), transcriptStart: 1, messages: transcript.slice(1) },
      run.record,
      run.requirements,
    )
    yield* store.resolveRequirement(runId, run.requirements[0]!.id, run.resolution)
  })
