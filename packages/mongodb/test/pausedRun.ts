import type { RunEvent, RunStore } from '@countersign/core'
import {
  sampleEvents,
  sampleRequirement,
  sampleResolution,
  sampleRun,
  sampleTranscript,
} from '@countersign/core/testing'
import { Effect } from 'effect'

/** Everything stored about a run paused on two requirements, the first one already decided. */
export const pausedRun = (runId: string) => {
  const transcript = sampleTranscript()
  const requirements = [
    sampleRequirement(runId, `${runId}-a`, { epoch: 1 }),
    sampleRequirement(runId, `${runId}-b`, { epoch: 1, kind: 'confirmation' }),
  ]
  const before = sampleEvents(runId).slice(0, 8)
  const paused: RunEvent = { _tag: 'RunPaused', runId, seq: 9, at: before[7]!.at + 1, requirements }
  const events = [...before, paused]
  return {
    runId,
    transcript,
    requirements,
    resolution: sampleResolution('grace'),
    events,
    /** The events of the first batch, and the messages it carries (the rest come with the pause). */
    firstBatch: { events: 2, messages: 2 },
    record: sampleRun(runId, {
      status: 'paused',
      epoch: 1,
      transcriptLength: transcript.length,
      lastSeq: events.length,
      pendingRequirementIds: requirements.map(({ id }) => id),
      updatedAt: paused.at,
    }),
  }
}
export type PausedRun = ReturnType<typeof pausedRun>

/** Creates the run and writes it as the engine does: a first batch, then the pause committed. */
export const pauseRun = (store: RunStore, run: PausedRun) =>
  Effect.gen(function* () {
    const { runId, events, transcript, firstBatch } = run
    yield* store.createRun(sampleRun(runId))
    yield* store.appendBatch({
      runId,
      events: events.slice(0, firstBatch.events),
      transcriptStart: 0,
      messages: transcript.slice(0, firstBatch.messages),
    })
    yield* store.commit(
      {
        runId,
        events: events.slice(firstBatch.events),
        transcriptStart: firstBatch.messages,
        messages: transcript.slice(firstBatch.messages),
      },
      run.record,
      run.requirements,
    )
  })

/** The first of the run's requirements decided, as a person would. */
export const decideFirst = (store: RunStore, run: PausedRun) =>
  store.resolveRequirement(run.runId, run.requirements[0]!.id, run.resolution)

/** Writes the run as the engine does: created, a first batch, then the pause committed; one decision made. */
export const writePausedRun = (store: RunStore, run: PausedRun) =>
  Effect.gen(function* () {
    yield* pauseRun(store, run)
    yield* decideFirst(store, run)
  })
