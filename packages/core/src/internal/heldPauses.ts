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
  /** About how much it holds: the length of its transcript's text. */
  readonly size: number
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
): HeldPause => {
  const text = JSON.stringify(Schema.encodeSync(messagesCodec)(messages))
  return {
    record,
    messages: JSON.parse(text) as Array<Message>,
    requirements: requirements.map((requirement) =>
      record.pendingRequirementIds.includes(requirement.id)
        ? requirementOf(JSON.parse(JSON.stringify(requirementCodec(requirement))))
        : requirement,
    ),
    size: text.length,
  }
}

/**
 * How much an engine holds: the latest pauses, at most this many and transcripts of about this
 * many characters in all. A paused run lives in the store, so holding more would make idle runs
 * cost memory; a run continued soon after it paused is the common case, and a run not held is
 * read from the store like any other.
 */
export const heldPausesLimit = { pauses: 64, size: 1024 * 1024 }

/**
 * The pauses this engine committed itself, most recent last, so that continuing one need not
 * read back what its writer stored. What is held may be stale (another process may have
 * decided, continued or cancelled the run since): a continue from it claims the run at the
 * pause's next sequence number with its decisions, which the store refuses unless nothing
 * changed, and then goes the way of a run not held.
 */
export class HeldPauses {
  private readonly pauses = new Map<string, HeldPause>()
  private size = 0

  constructor(private readonly limit = heldPausesLimit) {}

  /** Holds a root run's pause, the latest of the run's: an older one held is dropped. */
  keep = (pause: HeldPause | undefined): void => {
    if (pause === undefined || pause.record.parentRunId !== undefined) return
    this.take(pause.record.runId)
    this.pauses.set(pause.record.runId, pause)
    this.size += pause.size
    for (const oldest of this.pauses.keys()) {
      if (this.pauses.size <= this.limit.pauses && this.size <= this.limit.size) break
      this.take(oldest)
    }
  }

  /** The pause held for the run, given up: one continue goes on from it, whatever comes of it. */
  take = (runId: string): HeldPause | undefined => {
    const pause = this.pauses.get(runId)
    if (pause === undefined) return undefined
    this.pauses.delete(runId)
    this.size -= pause.size
    return pause
  }
}
