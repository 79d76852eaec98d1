import { Effect, Schema } from 'effect'
import { Message } from '../Message.js'
import { RequirementRecord, type Resolution } from '../Requirement.js'
import { RunRecord } from '../Run.js'
import { RunEvent } from '../RunEvent.js'
import type { RunStore } from '../RunStore.js'

const encodeMessages = Schema.encodeSync(Schema.Array(Message))
const encodeRequirements = Schema.encodeSync(Schema.Array(RequirementRecord))
const encodeEvents = Schema.encodeSync(Schema.Array(RunEvent))

/** Everything a store holds about a run, encoded: comparable with `toStrictEqual`. */
export const readStoredRun = (store: RunStore, runId: string) =>
  Effect.gen(function* () {
    const record = yield* Effect.flatten(store.getRun(runId))
    return {
      record: Schema.encodeSync(RunRecord)(record),
      transcript: encodeMessages(yield* store.readTranscript(runId)),
      requirements: encodeRequirements(yield* store.listRequirements(runId)),
      events: encodeEvents(yield* store.readEvents(runId, 0)),
    }
  })

/** What `readStoredRun` returns for a run paused on two requirements, the first decided with `resolution`. */
export const storedPausedRun = (run: {
  readonly record: RunRecord
  readonly transcript: ReadonlyArray<Message>
  readonly requirements: ReadonlyArray<RequirementRecord>
  readonly resolution: Resolution
  readonly events: ReadonlyArray<RunEvent>
}) => {
  const [decided, open] = run.requirements
  return {
    record: Schema.encodeSync(RunRecord)(run.record),
    transcript: encodeMessages(run.transcript),
    requirements: encodeRequirements([
      new RequirementRecord({ ...decided!, status: 'resolved', resolution: run.resolution }),
      open!,
    ]),
    events: encodeEvents(run.events),
  }
}
