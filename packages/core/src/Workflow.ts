import type { Duration } from 'effect'
import { DefinitionError } from './Errors.js'
import type { Answer, Policy } from './Policy.js'
import type { Principal } from './Principal.js'
import type { AnyRequirementPlugin } from './RequirementPlugin.js'
import type { Actor } from './Runnable.js'
import { inherit } from './Team.js'
import type { Tool } from './Tool.js'
import type { FieldType, UserInputField } from './UserInputField.js'
import { workflowPlugins } from './internal/registry.js'
import * as Shape from './internal/workflow/shape.js'

/** What a step's function (and a condition's evaluator, a router's selector) is given. */
export interface StepInput {
  /** The workflow run's input. */
  readonly input: string
  /** The output of the last step that produced one before this step; undefined at the start. */
  readonly previousOutput: unknown
  /** The outputs of the steps before this one in its sequence and the sequences around it, by step name. */
  readonly outputs: Readonly<Record<string, unknown>>
  /** What a person filled in for this step (`requiresUserInput`). */
  readonly userInput: Readonly<Record<string, unknown>> | undefined
  /** Set when a person rejected this step's last output (or the loop's last iteration): what they said, and that output. */
  readonly rejection: Rejection | undefined
}

export interface Rejection {
  readonly feedback: string | undefined
  readonly previousOutput: unknown
}

export interface StepContext {
  readonly runId: string
  readonly stepKey: string
  /** The same for this attempt of the step however often the run is resumed or recovered: pass it downstream to deduplicate. */
  readonly idempotencyKey: string
  /** Aborted when the run is stopped while the step runs. */
  readonly signal: AbortSignal
  /** Who started the run. */
  readonly principal: Principal
}

/** A step's own code: its output (a JSON value) is what the next steps get. May return a Promise or an Effect. */
export type StepFunction = (input: StepInput, context: StepContext) => unknown

/** What carries out a step: an agent or a team (in a run of its own), or a function. */
export type Executor = Actor | StepFunction

/**
 * What a rejection does: `skip` the step (the workflow goes on without its output), `cancel`
 * the run, run a condition's `else` branch, or `retry`: ask again (a confirmation) or run the
 * step again with the reviewer's feedback (a rejected output), at most `maxRetries` times, after
 * which a rejection cancels the run.
 */
export type OnReject = 'skip' | 'cancel' | 'else' | 'retry'

/** What happens when nobody decides before the step's `timeout`: the run is cancelled, the step skipped, or approved. */
export type OnTimeout = 'cancel' | 'skip' | 'approve'

/** How a step may ask a person before it starts, and what happens if nobody answers in time. */
export interface Gated {
  readonly requiresConfirmation?: boolean
  readonly confirmationMessage?: string
  /** How long each of the step's requirements may wait for a person; the sweeper enforces it. */
  readonly timeout?: Duration.DurationInput
  /** Default `cancel`. */
  readonly onTimeout?: OnTimeout
}

/** A field of a step's user-input form. */
export interface FieldSpec {
  readonly name: string
  readonly type: FieldType
  readonly description?: string
  /** Default true. */
  readonly required?: boolean
  readonly allowedValues?: ReadonlyArray<unknown>
}

export interface StepSpec extends Gated {
  readonly name: string
  readonly executor: Executor
  /** Default `skip`. */
  readonly onReject?: 'skip' | 'cancel' | 'retry'
  /** How often a rejected step is retried before a rejection cancels the run; default 3. */
  readonly maxRetries?: number
  /** A person fills in `userInputSchema` before the step runs. */
  readonly requiresUserInput?: boolean
  readonly userInputMessage?: string
  readonly userInputSchema?: ReadonlyArray<FieldSpec>
  /** A person reviews the step's output before the workflow goes on: always, or when the predicate says so. */
  readonly requiresOutputReview?: boolean | OutputPredicate
  readonly outputReviewMessage?: string
  /** What a failure of the step does: fail the run (default), or skip the step. */
  readonly onError?: 'fail' | 'skip'
}

export type OutputPredicate = (output: unknown) => Answer<boolean>

/** A condition's evaluator, a router's selector: the user's code, answering a value, a Promise or an Effect. */
export type Decider<A> = (input: StepInput) => Answer<A>

export interface StepsSpec extends Gated {
  readonly name: string
  readonly steps: ReadonlyArray<Component>
  /** Default `skip`. */
  readonly onReject?: 'skip' | 'cancel'
}

export interface ConditionSpec extends Gated {
  readonly name: string
  /**
   * Whether `steps` run (else `elseSteps`). With `requiresConfirmation` as well, a person is
   * asked only when it says yes; without an evaluator, the person decides.
   */
  readonly evaluator?: Decider<boolean>
  readonly steps: ReadonlyArray<Component>
  readonly elseSteps?: ReadonlyArray<Component>
  /** Default `else`: a rejection runs `elseSteps`. */
  readonly onReject?: 'else' | 'skip' | 'cancel'
}

export interface RouterSpec extends Gated {
  readonly name: string
  /** The routes, by name: each is a step or a part made of steps. */
  readonly choices: ReadonlyArray<Component>
  /** Chooses the route(s) by name. Needed unless a person chooses (`requiresUserInput`). */
  readonly selector?: Decider<string | ReadonlyArray<string>>
  /** A person chooses the route(s). */
  readonly requiresUserInput?: boolean
  readonly userInputMessage?: string
  /** The person may choose several routes, which run in the order chosen. */
  readonly allowMultipleSelections?: boolean
  /** A person reviews what the routes produced; with `retry`, a rejection has them choose routes again. */
  readonly requiresOutputReview?: boolean
  readonly outputReviewMessage?: string
  /** Default `skip`. */
  readonly onReject?: 'skip' | 'cancel' | 'retry'
  readonly maxRetries?: number
}

export interface LoopSpec extends Gated {
  readonly name: string
  readonly steps: ReadonlyArray<Component>
  /** Default 3. */
  readonly maxIterations?: number
  /** Whether the iteration just finished was the last, given its output. */
  readonly endCondition?: (output: unknown, iteration: number) => Answer<boolean>
  /**
   * A person reviews each iteration (unless the end condition ended the loop): approving ends
   * the loop, rejecting (with `retry`) runs the next iteration with the feedback.
   */
  readonly requiresIterationReview?: boolean
  readonly iterationReviewMessage?: string
  /** Default `skip`. */
  readonly onReject?: 'skip' | 'cancel' | 'retry'
}

export interface ParallelSpec {
  readonly name: string
  /** Run side by side; one that waits for a person pauses the workflow while the others finish. */
  readonly steps: ReadonlyArray<Component>
}

/** The human review every part but a parallel may have, as defined. */
export interface HumanReview {
  readonly requiresConfirmation: boolean
  readonly confirmationMessage: string | undefined
  readonly onReject: OnReject
  readonly maxRetries: number
  readonly timeout: Duration.Duration | undefined
  readonly onTimeout: OnTimeout
}

export interface Step extends HumanReview {
  readonly type: 'step'
  readonly name: string
  readonly executor: Executor
  readonly requiresUserInput: boolean
  readonly userInputMessage: string | undefined
  readonly userInputSchema: ReadonlyArray<UserInputField>
  readonly requiresOutputReview: boolean | OutputPredicate
  readonly outputReviewMessage: string | undefined
  readonly onError: 'fail' | 'skip'
}

export interface Steps extends HumanReview {
  readonly type: 'steps'
  readonly name: string
  readonly steps: ReadonlyArray<Component>
}

export interface Condition extends HumanReview {
  readonly type: 'condition'
  readonly name: string
  readonly evaluator: Decider<boolean> | undefined
  readonly steps: ReadonlyArray<Component>
  readonly elseSteps: ReadonlyArray<Component>
}

export interface Router extends HumanReview {
  readonly type: 'router'
  readonly name: string
  readonly choices: ReadonlyArray<Component>
  readonly selector: Decider<string | ReadonlyArray<string>> | undefined
  readonly requiresUserInput: boolean
  readonly userInputMessage: string | undefined
  readonly allowMultipleSelections: boolean
  readonly requiresOutputReview: boolean
  readonly outputReviewMessage: string | undefined
}

export interface Loop extends HumanReview {
  readonly type: 'loop'
  readonly name: string
  readonly steps: ReadonlyArray<Component>
  readonly maxIterations: number
  readonly endCondition: ((output: unknown, iteration: number) => Answer<boolean>) | undefined
  readonly requiresIterationReview: boolean
  readonly iterationReviewMessage: string | undefined
}

export interface Parallel {
  readonly type: 'parallel'
  readonly name: string
  readonly steps: ReadonlyArray<Component>
}

/** A part of a workflow: built by `Workflow.step`, `.steps`, `.condition`, `.router`, `.loop` or `.parallel`. */
export type Component = Step | Steps | Condition | Router | Loop | Parallel

/** A step run by a function, an agent or a team, with the human review it asks for. */
export const step = (spec: StepSpec): Step => Shape.step(spec)

/** A named sequence of steps, run in order; it may ask for confirmation first. */
export const steps = (spec: StepsSpec): Steps => Shape.steps(spec)

/** Runs `steps` or `elseSteps`, as its evaluator or a person decides. */
export const condition = (spec: ConditionSpec): Condition => Shape.condition(spec)

/** Runs the route(s) its selector or a person chooses among its choices. */
export const router = (spec: RouterSpec): Router => Shape.router(spec)

/** Runs its steps again and again, until its end condition, a person's approval, or `maxIterations`. */
export const loop = (spec: LoopSpec): Loop => Shape.loop(spec)

/** Runs its steps side by side; its output is theirs, by name. It has no human review of its own. */
export const parallel = (spec: ParallelSpec): Parallel => Shape.parallel(spec)

export interface WorkflowSpec {
  readonly id: string
  readonly name?: string
  readonly steps: ReadonlyArray<Component>
  /**
   * Apply to the tool calls of the agents and teams running steps (after their own), and decide
   * who may resolve the workflow's requirements.
   */
  readonly policies?: ReadonlyArray<Policy>
  /** Requirement kinds beyond the built-in ones, used by the policies. */
  readonly plugins?: ReadonlyArray<AnyRequirementPlugin>
}

/**
 * A workflow as the engine runs it: a plain, frozen value that running never changes, so one
 * definition serves any number of runs at once. Its steps' agents and teams are its
 * participants, each holding the workflow's policies and plugins after its own.
 */
export interface WorkflowDefinition {
  readonly kind: 'workflow'
  readonly id: string
  readonly name: string
  readonly steps: ReadonlyArray<Component>
  readonly policies: ReadonlyArray<Policy>
  readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>
  /** None: a workflow makes no tool calls of its own; its steps' agents do. */
  readonly tools: ReadonlyMap<string, Tool>
  /** The agents and teams running steps, and their members at any depth, by id. */
  readonly participants: ReadonlyMap<string, Actor>
}

/**
 * Validates a workflow: steps, unique step names across the whole workflow, and ids unique
 * among the workflow and everyone working in it.
 */
export const define = (spec: WorkflowSpec): WorkflowDefinition => {
  const subject = `workflow "${spec.id}"`
  if (typeof spec.id !== 'string' || spec.id.trim() === '')
    throw new DefinitionError({ subject: 'workflow', reason: 'an id is required' })
  if (spec.steps.length === 0) throw new DefinitionError({ subject, reason: 'a workflow needs steps' })
  Shape.checkNames(subject, spec.steps)
  const plugins = new Map<string, AnyRequirementPlugin>()
  for (const plugin of [...workflowPlugins, ...(spec.plugins ?? [])]) {
    if (plugins.has(plugin.kind))
      throw new DefinitionError({ subject, reason: `two requirement plugins have kind "${plugin.kind}"` })
    plugins.set(plugin.kind, plugin)
  }
  const policies = spec.policies ?? []
  // A step's agent or team joins as declared once, however many steps it runs.
  const joined = new Map<Actor, Actor>()
  const participants = new Map<string, Actor>()
  const join = (declared: Actor): Actor => {
    const known = joined.get(declared)
    if (known !== undefined) return known
    const actor = inherit(declared, { policies, plugins })
    joined.set(declared, actor)
    for (const [id, participant] of [
      [actor.id, actor] as const,
      ...(actor.kind === 'team' ? actor.participants : []),
    ]) {
      if (id === spec.id || participants.has(id))
        throw new DefinitionError({ subject, reason: `the id "${id}" is used twice in the workflow` })
      participants.set(id, participant)
    }
    return actor
  }
  return Object.freeze({
    kind: 'workflow',
    id: spec.id,
    name: spec.name ?? spec.id,
    steps: Shape.withExecutors(spec.steps, join),
    policies: Object.freeze([...policies]),
    plugins,
    tools: new Map(),
    participants,
  })
}
