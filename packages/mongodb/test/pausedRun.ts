import type { RunStore } from '@countersign/core'
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
  const requirements = [sampleRequirement(runId, `${runId}-a`), sampleRequirement(runId, `${runId}-b`)]
  const events = sampleEvents(runId).slice(0, 9)
  return {
    runId,
    transcript,
    requirements,
    resolution: sampleResolution('grace'),
    events,
    record: sampleRun(runId, {
      status: 'paused',
      epoch: 1,
      transcriptLength: transcript.length,
      lastSeq: events.length,
      pendingRequirementIds: requirements.map(({ id }) => id),
    }),
  }
}
export type PausedRun = ReturnType<typeof pausedRun>

/** Writes the run in the engine's order, the transcript in two appends; the run record, saved last, commits it. */
export const writePausedRun = (store: RunStore, run: PausedRun) =>
  Effect.gen(function* () {
    yield* store.createRun(sampleRun(run.runId))
    yield* store.claimRun(run.runId, 1, 'engine-a')
    yield* store.appendTranscript(run.runId, 0, run.transcript.slice(0, 2))
    yield* store.appendTranscript(run.runId, 2, run.transcript.slice(2))
    yield* store.insertRequirements(run.requirements)
    for (const event of run.events) yield* store.appendEvent(event)
    yield* store.saveRun(run.record)
    yield* store.resolveRequirement(run.runId, run.requirements[0]!.id, run.resolution)
  })
