import { Effect } from 'effect'
import type { StoreError } from '../../Errors.js'
import type { RequirementRecord } from '../../Requirement.js'
import type { RunEvent } from '../../RunEvent.js'
import type { RunStore } from '../../RunStore.js'

/** One attempt of a step (0 for the first): what its requirements and its agent's run are named by. */
export const attemptKey = (stepKey: string, attempt: number) =>
  attempt === 0 ? stepKey : `${stepKey}@${attempt}`

/** One iteration of a loop (1 for the first). */
export const iterationKey = (stepKey: string, iteration: number) => `${stepKey}#${iteration}`

export interface Iteration {
  /** Absent when every step of the iteration was skipped. */
  readonly output?: unknown
  /** The end condition said this iteration was the last. */
  readonly done: boolean
}

/**
 * What a workflow run has done so far, as its journal and its requirements say. Each stretch of
 * the run starts from it and replays the steps from the top, doing only what is not done yet:
 * hot and cold resume take this one path. The stretch keeps it up to date as it goes on.
 */
export class History {
  /** Step attempts that began (see attemptKey). */
  readonly started = new Set<string>()
  /** Steps' outputs, by step key. */
  readonly completed = new Map<string, unknown>()
  readonly skipped = new Set<string>()
  /** The branches a condition or a router attempt took, by attempt key. */
  readonly branched = new Map<string, ReadonlyArray<string>>()
  /** Loop iterations that finished, by iteration key. */
  readonly iterations = new Map<string, Iteration>()
  /** Steps that paused and have not taken up again since. */
  readonly paused = new Set<string>()
  /** The run's own requirements that were decided (or lapsed), by kind and step attempt. */
  private readonly decisions = new Map<string, RequirementRecord>()

  constructor(events: ReadonlyArray<RunEvent>, requirements: ReadonlyArray<RequirementRecord>) {
    events.forEach(this.record)
    // Open requirements are those of the pause being resumed (all decided by now) or leftovers of
    // a pause that never committed: those are asked again.
    for (const requirement of requirements)
      if (requirement.member === undefined && requirement.status === 'resolved')
        this.decisions.set(decisionKey(requirement.kind, requirement.toolCall.id), requirement)
  }

  record = (event: RunEvent) => {
    switch (event._tag) {
      case 'StepStarted':
        this.started.add(attemptKey(event.stepKey, event.attempt))
        break
      case 'StepCompleted':
        this.completed.set(event.stepKey, event.output)
        break
      case 'StepSkipped':
        this.skipped.add(event.stepKey)
        break
      case 'StepBranched':
        this.branched.set(attemptKey(event.stepKey, event.attempt), event.branches)
        break
      case 'LoopIterationCompleted':
        this.iterations.set(iterationKey(event.stepKey, event.iteration), {
          ...('output' in event ? { output: event.output } : {}),
          done: event.done,
        })
        break
      case 'StepPaused':
        this.paused.add(event.stepKey)
        break
      case 'StepContinued':
        this.paused.delete(event.stepKey)
        break
    }
  }

  /** The decided requirement of this kind on a step attempt (its `toolCall.id`), if there is one. */
  decision = (kind: string, toolCallId: string): RequirementRecord | undefined =>
    this.decisions.get(decisionKey(kind, toolCallId))
}

const decisionKey = (kind: string, toolCallId: string) => `${kind} ${toolCallId}`

export const readHistory = (
  store: RunStore,
  runId: string,
  decided: ReadonlyArray<RequirementRecord>,
): Effect.Effect<History, StoreError> =>
  Effect.map(
    Effect.all([store.readEvents(runId, 0), store.listRequirements(runId)]),
    ([events, requirements]) =>
      new History(
        events,
        // The decisions the run is continued with are stored with its claim, which may be ahead.
        requirements.map((stored) => decided.find(({ id }) => id === stored.id) ?? stored),
      ),
  )
