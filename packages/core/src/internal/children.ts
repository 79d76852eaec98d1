import { Clock, Effect, Option } from 'effect'
import { type RunFailure, RunClaimed, StoreError } from '../Errors.js'
import type { IdGenerator } from '../IdGenerator.js'
import type { RequirementRecord } from '../Requirement.js'
import { revise, starting } from '../Run.js'
import { RunStore } from '../RunStore.js'
import type { Actor } from '../Runnable.js'
import { startedWithoutResult } from './journal.js'
import type { RunWriter } from './RunWriter.js'
import type { Background } from './background.js'
import type { DriveToStop, Stop } from './stop.js'

/** A run that works for another one (a member's), as its parent hands it over. */
export interface ChildEntry {
  /** Derived from the parent's run and call: the same however often the parent is resumed. */
  readonly runId: string
  readonly input: string
  /** The decisions the root resumes with; the child takes those on its own calls (and passes them down). */
  readonly resolved: ReadonlyArray<RequirementRecord>
  /** What to do with calls a dead writer of the child left started without a result. */
  readonly interruptedCalls: 'retry' | 'ask'
}

/**
 * Runs a member's run to its next stop, from wherever the store has it: starts it, resumes its
 * pause with the root's decisions, goes on after a writer that died, or answers how it ended.
 * `announce` is told first whether the run starts or goes on, so the parent can say so in its
 * own journal before the member does anything. `drive` runs the member's loop.
 */
export const enterChild = (
  parent: RunWriter,
  child: Actor,
  entry: ChildEntry,
  announce: (how: 'started' | 'continued') => Effect.Effect<void, RunFailure>,
  drive: DriveToStop,
): Effect.Effect<Stop, RunFailure, RunStore | IdGenerator | Background> =>
  Effect.gen(function* () {
    const store = yield* RunStore
    const runId = entry.runId
    const found = yield* store.getRun(runId)
    if (Option.isNone(found)) {
      yield* announce('started')
      const parentRun = parent.run
      const record = starting({
        runId,
        definition: child,
        input: entry.input,
        principal: parentRun.principal,
        sessionId: parentRun.sessionId,
        userId: parentRun.userId,
        parentRunId: parentRun.runId,
        now: yield* Clock.currentTimeMillis,
      })
      // Created meanwhile by another writer of the parent (RunAlreadyExists: nothing else refuses
      // a run without a first batch): that writer holds the parent now.
      yield* store.createRun(record).pipe(
        Effect.catchIf(
          (error) => !(error instanceof StoreError),
          () => Effect.fail(new RunClaimed({ runId: parentRun.runId, epoch: parentRun.epoch })),
        ),
      )
      return yield* start(parent.child(child, { record, messages: [], lastSeq: 0 }), drive)
    }
    const record = found.value
    if (record.status === 'completed') return { _tag: 'Completed', content: record.content } satisfies Stop
    if (record.status === 'failed' || record.status === 'cancelled')
      return { _tag: 'Failed', error: record.error ?? `the member's run was ${record.status}` } satisfies Stop
    const since = yield* store.readEvents(runId, record.lastSeq)
    const messages = yield* store.readTranscript(runId)
    const lastSeq = since.at(-1)?.seq ?? record.lastSeq
    const writer = parent.child(child, {
      record: revise(record, { epoch: record.epoch + 1 }),
      messages,
      lastSeq,
    })
    yield* announce('continued')
    if (record.status === 'paused' && since.length === 0) {
      for (const requirement of entry.resolved)
        if (record.pendingRequirementIds.includes(requirement.id) && requirement.resolution !== undefined)
          yield* writer.emit({
            _tag: 'RequirementResolved',
            runId,
            requirementId: requirement.id,
            kind: requirement.kind,
            value: requirement.resolution.value,
            resolvedBy: requirement.resolution.resolvedBy,
            ...(requirement.resolution.lapsed === undefined ? {} : { lapsed: requirement.resolution.lapsed }),
          })
      yield* writer.emit({ _tag: 'RunContinued', runId })
      return yield* drive(writer, entry.resolved)
    }
    // Its writer died (with the parent's): go on from what it stored.
    if (lastSeq === 0) return yield* start(writer, drive)
    const interrupted = startedWithoutResult(since, messages)
    yield* writer.emit({ _tag: 'RunRecovered', runId, interruptedToolCallIds: [...interrupted.keys()] })
    return yield* drive(writer, entry.resolved, { calls: interrupted, then: entry.interruptedCalls })
  })

const start = (writer: RunWriter<Actor>, drive: DriveToStop) =>
  Effect.zipRight(writer.begin, drive(writer, []))
