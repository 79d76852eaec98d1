import { Context, type Effect, type Option } from 'effect'
import type {
  EventSequenceConflict,
  RequirementAlreadyResolved,
  RequirementNotFound,
  RunAlreadyExists,
  RunClaimed,
  StoreError,
} from './Errors.js'
import type { Message } from './Message.js'
import type { RequirementRecord, Resolution } from './Requirement.js'
import type { RunRecord } from './Run.js'
import type { RunEvent } from './RunEvent.js'

/**
 * Where runs live between steps, and the only source of truth for resuming one. Every
 * implementation passes the conformance suite in `@countersign/core/testing`.
 *
 * The guarantees the engine builds on need only single-document atomicity: `claimRun` and
 * `resolveRequirement` each have at most one winner among concurrent callers, and `appendEvent`
 * refuses a sequence number twice. Everything else is written by the run's single writer (the
 * holder of its current claim), so plain writes suffice.
 */
export interface RunStore {
  readonly createRun: (run: RunRecord) => Effect.Effect<void, RunAlreadyExists | StoreError>
  readonly getRun: (runId: string) => Effect.Effect<Option.Option<RunRecord>, StoreError>
  /** Replaces the run record: the commit point of every pause and ending. */
  readonly saveRun: (run: RunRecord) => Effect.Effect<void, StoreError>

  /** Writes messages at positions `start…`; positions past the committed length may be overwritten. */
  readonly appendTranscript: (
    runId: string,
    start: number,
    messages: ReadonlyArray<Message>,
  ) => Effect.Effect<void, StoreError>
  /** The first `length` messages. */
  readonly readTranscript: (
    runId: string,
    length: number,
  ) => Effect.Effect<ReadonlyArray<Message>, StoreError>

  /** Requirement ids are unique across all runs (the engine makes them with its IdGenerator). */
  readonly insertRequirements: (
    requirements: ReadonlyArray<RequirementRecord>,
  ) => Effect.Effect<void, StoreError>
  readonly getRequirement: (
    runId: string,
    requirementId: string,
  ) => Effect.Effect<Option.Option<RequirementRecord>, StoreError>
  /** A run's requirements, oldest first (in insertion order within one insert). */
  readonly listRequirements: (runId: string) => Effect.Effect<ReadonlyArray<RequirementRecord>, StoreError>
  /** Records the decision on a pending requirement. Of concurrent callers, exactly one wins. */
  readonly resolveRequirement: (
    runId: string,
    requirementId: string,
    resolution: Resolution,
  ) => Effect.Effect<RequirementRecord, RequirementNotFound | RequirementAlreadyResolved | StoreError>

  /** Stores an event; a sequence number already taken for the run is refused. */
  readonly appendEvent: (event: RunEvent) => Effect.Effect<void, EventSequenceConflict | StoreError>
  /** A run's events with `seq > afterSeq`, in order. */
  readonly readEvents: (runId: string, afterSeq: number) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>

  /** Claims `(runId, epoch)` for `owner`. Of concurrent callers, exactly one wins; the rest get RunClaimed. */
  readonly claimRun: (
    runId: string,
    epoch: number,
    owner: string,
  ) => Effect.Effect<void, RunClaimed | StoreError>
}

export const RunStore = Context.GenericTag<RunStore>('@countersign/core/RunStore')
