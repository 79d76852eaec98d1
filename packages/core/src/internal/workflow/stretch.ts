import { Data, Effect, type Option } from 'effect'
import type { IdGenerator } from '../../IdGenerator.js'
import type { RequirementRecord } from '../../Requirement.js'
import type { RunEventBody } from '../../RunEvent.js'
import type { RunFailure } from '../../Errors.js'
import type { RunStore } from '../../RunStore.js'
import type { Component, Rejection, WorkflowDefinition } from '../../Workflow.js'
import type { RunWriter } from '../RunWriter.js'
import type { History } from './history.js'
import type { Background } from '../background.js'

/** One claim's worth of a workflow run: its writer, what it has done, and what it is waiting for. */
export interface Stretch {
  readonly writer: RunWriter<WorkflowDefinition>
  readonly history: History
  /** The decisions of the pause this stretch resumes: the steps' agents and teams take theirs. */
  readonly decided: ReadonlyArray<RequirementRecord>
  /** What the steps' agents do with calls a dead writer left started without a result. */
  readonly interruptedCalls: 'retry' | 'ask'
  /** The requirements raised so far: the run pauses with them. */
  readonly raised: Array<RequirementRecord>
}

/**
 * Where a part stands as its sequence reaches it: what is before it, and, in a loop's iteration
 * after a rejected one, what the reviewer said.
 */
export interface Scope {
  /** Put before step names to make the step keys of this scope (a loop's iteration, a router's retry). */
  readonly prefix: string
  readonly previous: Option.Option<unknown>
  readonly outputs: Readonly<Record<string, unknown>>
  readonly rejection: Rejection | undefined
}

/**
 * How far a part got: done with an output, skipped (the workflow goes on without an output
 * from it), or stopped short: waiting for people, or ending the run.
 */
export type Flow = Data.TaggedEnum<{
  Done: { readonly output: unknown }
  Skipped: { readonly reason: string }
  Waiting: object
  Cancelled: { readonly reason: string }
  Failed: { readonly error: string }
}>
export const Flow = Data.taggedEnum<Flow>()

/** A flow that stops the sequence it is in. */
export type Halt = Exclude<Flow, { readonly _tag: 'Done' | 'Skipped' }>

export type Work<A = Flow> = Effect.Effect<A, RunFailure, RunStore | IdGenerator | Background>

/** Numbers and keeps an event for the run's next batch, and takes it into the history. */
export const tell = (stretch: Stretch, body: RunEventBody) =>
  Effect.map(stretch.writer.emit(body), stretch.history.record)

/** The fields that name a part in its events. */
export const named = (stretch: Stretch, component: Component, stepKey: string) => ({
  runId: stretch.writer.run.runId,
  stepKey,
  stepName: component.name,
  stepType: component.type,
})

/** A part as the run's sentences name it ("Step 'x' was rejected"), whatever its type. */
export const stepLabel = (component: Component) => `Step '${component.name}'`
