import { type AgentDefinition, type AgentSpec, define as defineAgent } from './Agent.js'
import type { Model } from './Model.js'
import type { Policy } from './Policy.js'
import type { AnyRequirementPlugin } from './RequirementPlugin.js'
import type { Actor } from './Runnable.js'
import { define as defineTeam, type TeamDefinition, type TeamSpec } from './Team.js'
import type { Tool } from './Tool.js'
import {
  type Component,
  condition,
  define as defineWorkflow,
  loop,
  parallel,
  router,
  step,
  steps,
  type WorkflowDefinition,
  type WorkflowSpec,
} from './Workflow.js'
import { Runner, type RunnerOptions } from './internal/Runner.js'

/*
 * Agents, teams and workflows with a Promise API, for code that does not use Effect: each runs
 * its own engine over its store (see `Runner`). What they run are the definitions of `Agent`,
 * `Team` and `Workflow`, plain values that the engine runs as they are.
 */

export type { ContinueInput } from './internal/Runner.js'

/** An agent's spec, with where its runs are kept and how they are judged. */
export interface AgentOptions extends AgentSpec, RunnerOptions {}

/**
 * An agent with a Promise API, for code that does not use Effect (see `Runner`). Each instance
 * runs its own engine over its store; Effect users run `AgentDefinition`s on the `RunEngine`
 * service directly.
 */
export class Agent extends Runner implements AgentDefinition {
  // Set from the validated definition in the constructor.
  declare readonly kind: 'agent'
  declare readonly id: string
  declare readonly name: string
  declare readonly instructions: string | undefined
  declare readonly model: Model
  declare readonly tools: ReadonlyMap<string, Tool>
  declare readonly policies: ReadonlyArray<Policy>
  declare readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>

  constructor(options: AgentOptions) {
    super(options)
    Object.assign(this, defineAgent(options))
  }

  protected get definition(): AgentDefinition {
    return this
  }
}

/** A team's spec, with where its runs are kept (the team's and its members') and how they are judged. */
export interface TeamOptions extends TeamSpec, RunnerOptions {}

/** A team with a Promise API (see `Runner`); Effect users run `TeamDefinition`s on the `RunEngine`. */
export class Team extends Runner implements TeamDefinition {
  // Set from the validated definition in the constructor.
  declare readonly kind: 'team'
  declare readonly id: string
  declare readonly name: string
  declare readonly instructions: string | undefined
  declare readonly model: TeamDefinition['model']
  declare readonly tools: TeamDefinition['tools']
  declare readonly policies: TeamDefinition['policies']
  declare readonly plugins: TeamDefinition['plugins']
  declare readonly members: ReadonlyMap<string, Actor>
  declare readonly participants: ReadonlyMap<string, Actor>

  constructor(options: TeamOptions) {
    super(options)
    Object.assign(this, defineTeam(options))
  }

  protected get definition(): TeamDefinition {
    return this
  }
}

/** A workflow's spec, with where its runs are kept (the workflow's and its steps' agents') and how they are judged. */
export interface WorkflowOptions extends WorkflowSpec, RunnerOptions {}

/**
 * A workflow with a Promise API (see `Runner`); Effect users run `WorkflowDefinition`s on the
 * `RunEngine`. Its parts are built with the static builders: `Workflow.step`, `.steps`,
 * `.condition`, `.router`, `.loop` and `.parallel`.
 */
export class Workflow extends Runner implements WorkflowDefinition {
  static readonly step = step
  static readonly steps = steps
  static readonly condition = condition
  static readonly router = router
  static readonly loop = loop
  static readonly parallel = parallel
  static readonly define = defineWorkflow

  // Set from the validated definition in the constructor.
  declare readonly kind: 'workflow'
  declare readonly id: string
  declare readonly name: string
  declare readonly steps: ReadonlyArray<Component>
  declare readonly policies: ReadonlyArray<Policy>
  declare readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>
  declare readonly tools: ReadonlyMap<string, Tool>
  declare readonly participants: ReadonlyMap<string, Actor>

  constructor(options: WorkflowOptions) {
    super(options)
    Object.assign(this, defineWorkflow(options))
  }

  protected get definition(): WorkflowDefinition {
    return this
  }
}
