import type { Effect } from 'effect'
import type { WriteError } from '../Errors.js'
import type { IdGenerator } from '../IdGenerator.js'
import type { RequirementRecord } from '../Requirement.js'
import type { RunStore } from '../RunStore.js'
import type { Actor } from '../Runnable.js'
import type { RunWriter } from './RunWriter.js'
import type { Background } from './background.js'

/**
 * How far a writer's turn got: the run waits for people (the requirements it raised, stored by
 * its root run), it is done, or it failed (its ending recorded).
 */
export type Stop =
  | { readonly _tag: 'Paused'; readonly raised: ReadonlyArray<RequirementRecord> }
  | { readonly _tag: 'Completed'; readonly content: string }
  | { readonly _tag: 'Failed'; readonly error: string }

/** How a stretch of a run ended: a Stop, or, for a workflow, cancelled by a rejection. */
export type StretchEnd = Stop | { readonly _tag: 'Cancelled'; readonly reason: string }

/**
 * Calls a writer that died had started without storing a result (call id → the arguments they
 * started with), and what to do with them: run them again with the same idempotency key, or
 * ask a person first.
 */
export interface Interrupted {
  readonly calls: ReadonlyMap<string, Readonly<Record<string, unknown>>>
  readonly then: 'retry' | 'ask'
}

/**
 * Drives a run through its model loop to its next stop. A team's leader hands it to the runs of
 * its members (`delegate`, `enterChild`): the loop that runs a member is the leader's own.
 */
export type DriveToStop = (
  writer: RunWriter<Actor>,
  resolved: ReadonlyArray<RequirementRecord>,
  interrupted?: Interrupted,
) => Effect.Effect<Stop, WriteError, IdGenerator | RunStore | Background>
