import { Schema } from 'effect'
import { Message } from '../Message.js'
import { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'

/**
 * A pause as its writer stored it: the run's record, transcript and every requirement, in
 * copies that share nothing a caller or a listener is handed.
 */
export interface HeldPause {
  readonly record: RunRecord
  readonly messages: ReadonlyArray<Message>
  readonly requirements: ReadonlyArray<RequirementRecord>
}

const messagesCodec = Schema.Array(Message)
const requirementCodec = Schema.encodeSync(RequirementRecord)
const requirementOf = Schema.decodeUnknownSync(RequirementRecord)

/**
 * The pause a writer is storing, copied before anything of it is published: what a caller does
 * to the output or events it is handed (an edited call's arguments, say) cannot change what a
 * continue from the held pause runs. Copied as text, as the memory store does. The pause's own
 * requirements and the transcript are copied; the decided ones before them are only shown and
 * counted, never acted on, and are shared.
 */
export const heldPauseOf = (
  record: RunRecord,
  messages: ReadonlyArray<Message>,
  requirements: ReadonlyArray<RequirementRecord>,
): HeldPause => ({
  record,
  messages: JSON.parse(JSON.stringify(Schema.encodeSync(messagesCodec)(messages))) as Array<Message>,
  requirements: requirements.map((requirement) =>
    record.pendingRequirementIds.includes(requirement.id)
      ? requirementOf(JSON.parse(JSON.stringify(requirementCodec(requirement))))
      : requirement,
  ),
})

/**
 * How many pauses an engine holds: the latest ones. A paused run lives in the store, so holding
 * more would make idle runs cost memory; a run continued soon after it paused is the common
 * case, and a run not held is read from the store like any other.
 */
export const heldPausesLimit = 256

/**
 * The pauses this engine committed itself, most recent last, so that continuing one need not
 * read back what its writer stored. What is held may be stale (another process may have
 * decided, continued or cancelled the run since): a continue from it claims the run at the
 * pause's next sequence number with its decisions, which the store refuses unless nothing
 * changed, and then goes the way of a run not held.
 */
export class HeldPauses {
  private readonly pauses = new Map<string, HeldPause>()

  constructor(private readonly limit = heldPausesLimit) {}

  /** Holds a root run's pause, the latest of the run's: an older one held is dropped. */
  keep = (pause: HeldPause | undefined): void => {
    if (pause === undefined || pause.record.parentRunId !== undefined) return
    this.pauses.delete(pause.record.runId)
    this.pauses.set(pause.record.runId, pause)
    if (this.pauses.size > this.limit) this.pauses.delete(this.pauses.keys().next().value!)
  }

  /** The pause held for the run, given up: one continue goes on from it, whatever comes of it. */
  take = (runId: string): HeldPause | undefined => {
    const pause = this.pauses.get(runId)
    this.pauses.delete(runId)
    return pause
  }

  /** Forgets the run's pause: it is being cancelled. */
  forget = (runId: string): void => {
    this.pauses.delete(runId)
  }
}
