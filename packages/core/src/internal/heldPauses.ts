import type { Message } from '../Message.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunRecord } from '../Run.js'

/**
 * A pause as its writer stored it: the run's record, transcript and every requirement, in
 * copies that share nothing a caller or a listener is handed.
 */
export interface HeldPause {
  readonly record: RunRecord
  readonly messages: ReadonlyArray<Message>
  readonly requirements: ReadonlyArray<RequirementRecord>
  /** About how much it holds: the characters of its transcript's keys and strings. */
  readonly size: number
}

/**
 * A deep copy of records made of plain objects, arrays and Schema class instances (each kept an
 * instance of its class), and about how much it holds: the characters of its keys and strings.
 * Walked by hand: it copies what the engine made and checked, so nothing needs checking again,
 * and a round trip through JSON text cost more than the rest of a pause. Recursive: the records'
 * JSON values are checked to nest at most `maxJsonDepth` levels.
 */
const copyOf = <A>(value: A): { readonly copy: A; readonly size: number } => {
  let size = 0
  const copy = (item: unknown): unknown => {
    if (typeof item === 'string') {
      size += item.length
      return item
    }
    if (typeof item !== 'object' || item === null) return item
    if (Array.isArray(item)) return item.map(copy)
    const copied = Object.create(Object.getPrototypeOf(item) as object | null) as Record<string, unknown>
    for (const [key, field] of Object.entries(item)) {
      size += key.length
      copied[key] = copy(field)
    }
    return copied
  }
  return { copy: copy(value) as A, size }
}

/**
 * The pause a writer is storing, copied before anything of it is published: what a caller does
 * to the output or events it is handed (an edited call's arguments, say) cannot change what a
 * continue from the held pause runs. The pause's own requirements and the transcript are copied;
 * the decided ones before them are only shown and counted, never acted on, and are shared.
 */
export const heldPauseOf = (
  record: RunRecord,
  messages: ReadonlyArray<Message>,
  requirements: ReadonlyArray<RequirementRecord>,
): HeldPause => {
  const transcript = copyOf(messages)
  return {
    record,
    messages: transcript.copy,
    requirements: requirements.map((requirement) =>
      record.pendingRequirementIds.includes(requirement.id) ? copyOf(requirement).copy : requirement,
    ),
    size: transcript.size,
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
