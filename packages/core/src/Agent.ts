import { Effect, Layer, ManagedRuntime, Stream } from 'effect'
import { DefinitionError } from './Errors.js'
import * as IdGenerator from './IdGenerator.js'
import * as MemoryStore from './MemoryStore.js'
import type { RequirementRecord, ResolutionInput } from './Requirement.js'
import type { RunEvent } from './RunEvent.js'
import * as RunEngine from './RunEngine.js'
import type { ContinueRequest } from './RunEngine.js'
import { RunOutput } from './RunOutput.js'
import { RunStore } from './RunStore.js'
import type { Model } from './Model.js'
import type { Policy } from './Policy.js'
import type { AnyRequirementPlugin } from './RequirementPlugin.js'
import type { Tool } from './Tool.js'
import type { Toolkit } from './Toolkit.js'
import { toAsyncIterable, toPromise } from './internal/promises.js'
import { builtinPlugins } from './internal/registry.js'

export interface AgentSpec {
  readonly id: string
  readonly name?: string
  readonly instructions?: string
  readonly model: Model
  readonly tools?: ReadonlyArray<Tool | Toolkit>
  /** Decide which tool calls need a person, beyond the tools' own flags. Applied in order. */
  readonly policies?: ReadonlyArray<Policy>
  /** Requirement kinds beyond the built-in ones, used by this agent's tools or policies. */
  readonly plugins?: ReadonlyArray<AnyRequirementPlugin>
}

/** An agent as the engine runs it: a plain, validated value. */
export interface AgentDefinition {
  readonly id: string
  readonly name: string
  readonly instructions: string | undefined
  readonly model: Model
  readonly tools: ReadonlyMap<string, Tool>
  readonly policies: ReadonlyArray<Policy>
  readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>
}

const isToolkit = (entry: Tool | Toolkit): entry is Toolkit => 'tools' in entry

/** Validates an agent's declaration: tool names and requirement kinds must be unique. */
export const define = (spec: AgentSpec): AgentDefinition => {
  const subject = `agent "${spec.id}"`
  if (spec.id.trim() === '') throw new DefinitionError({ subject: 'agent', reason: 'an id is required' })
  const tools = new Map<string, Tool>()
  for (const tool of (spec.tools ?? []).flatMap((entry) => (isToolkit(entry) ? entry.tools : [entry]))) {
    if (tools.has(tool.name))
      throw new DefinitionError({ subject, reason: `two tools are named "${tool.name}"` })
    tools.set(tool.name, tool)
  }
  const plugins = new Map<string, AnyRequirementPlugin>()
  for (const plugin of [...builtinPlugins, ...(spec.plugins ?? [])]) {
    if (plugins.has(plugin.kind))
      throw new DefinitionError({ subject, reason: `two requirement plugins have kind "${plugin.kind}"` })
    plugins.set(plugin.kind, plugin)
  }
  return {
    id: spec.id,
    name: spec.name ?? spec.id,
    instructions: spec.instructions,
    model: spec.model,
    tools,
    policies: spec.policies ?? [],
    plugins,
  }
}

export interface AgentOptions extends AgentSpec {
  /** Where runs are kept. Agents that share a store share runs: one can continue what another paused. Defaults to a new memory store. */
  readonly store?: RunStore
}

/** What `continueRun` accepts: a paused run's output with decisions made on its requirements, or a run id and decisions. */
export type ContinueInput = RunOutput | ContinueRequest

/**
 * An agent with a Promise API, for code that does not use Effect. Each instance runs its own
 * engine over its store; Effect users run `AgentDefinition`s on the `RunEngine` service directly.
 * Methods reject with the typed errors of `Errors`.
 */
export class Agent implements AgentDefinition {
  readonly id: string
  readonly name: string
  readonly instructions: string | undefined
  readonly model: Model
  readonly tools: ReadonlyMap<string, Tool>
  readonly policies: ReadonlyArray<Policy>
  readonly plugins: ReadonlyMap<string, AnyRequirementPlugin>
  readonly store: RunStore
  private readonly runtime: ManagedRuntime.ManagedRuntime<RunEngine.RunEngine, never>

  constructor(options: AgentOptions) {
    const definition = define(options)
    this.id = definition.id
    this.name = definition.name
    this.instructions = definition.instructions
    this.model = definition.model
    this.tools = definition.tools
    this.policies = definition.policies
    this.plugins = definition.plugins
    this.store = options.store ?? MemoryStore.make()
    this.runtime = ManagedRuntime.make(
      RunEngine.layer.pipe(
        Layer.provide(Layer.succeed(RunStore, this.store)),
        Layer.provide(IdGenerator.layer),
      ),
    )
  }

  /** Runs the agent until it completes, fails or pauses for a person. */
  run(input: string, options?: RunEngine.RunOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.run(this, input, options))
  }

  /** Runs the agent, yielding its events; the stream of a run that pauses ends with RunPaused. */
  runStream(input: string, options?: RunEngine.RunOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.runStream(this, input, options))
  }

  /**
   * Continues a paused run: records the decisions made on the output's requirements (or the
   * given resolutions), then resumes the run where it stopped. Rejects with
   * RequirementsUnresolved, leaving the run paused, while any requirement is open.
   */
  continueRun(input: ContinueInput, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.continueRun(this, continueRequest(input), options))
  }

  continueRunStream(input: ContinueInput, options?: RunEngine.ResolveOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.continueRunStream(this, continueRequest(input), options))
  }

  /** Records decisions without continuing the run. */
  resolve(
    runId: string,
    resolutions: ReadonlyArray<ResolutionInput>,
    options?: RunEngine.ResolveOptions,
  ): Promise<ReadonlyArray<RequirementRecord>> {
    return this.promise((engine) => engine.resolve(this, runId, resolutions, options))
  }

  /** Ends a run for good; its open requirements lapse as cancelled, by `options.principal`. */
  cancelRun(runId: string, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.cancelRun(this, runId, options))
  }

  /**
   * Takes over a run whose writer died (its process was killed mid-way) and goes on from what
   * the store holds. Calls that had started without a stored result run again with the same
   * idempotency key (`interruptedCalls: 'retry'`) or wait for a person (`'ask'`). See
   * `RunEngine.recoverRun`.
   */
  recoverRun(runId: string, options: RunEngine.RecoverOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.recoverRun(this, runId, options))
  }

  recoverRunStream(runId: string, options: RunEngine.RecoverOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.recoverRunStream(this, runId, options))
  }

  getRun(runId: string): Promise<RunOutput> {
    return this.promise((engine) => engine.getRun(this, runId))
  }

  /** The run's events after `afterSeq`, stored then live, up to its next pause or ending. */
  followRun(runId: string, afterSeq?: number): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.followRun(this, runId, afterSeq))
  }

  /** Stops this agent's engine. Paused runs stay in the store; runs still working are left for recovery. */
  dispose(): Promise<void> {
    return this.runtime.dispose()
  }

  private promise<A, E>(use: (engine: RunEngine.RunEngine) => Effect.Effect<A, E>): Promise<A> {
    return toPromise(this.runtime, Effect.flatMap(RunEngine.RunEngine, use))
  }

  private iterate<E>(
    use: (engine: RunEngine.RunEngine) => Stream.Stream<RunEvent, E>,
  ): AsyncIterable<RunEvent> {
    return toAsyncIterable(this.runtime, Stream.unwrap(Effect.map(RunEngine.RunEngine, use)))
  }
}

const continueRequest = (input: ContinueInput): ContinueRequest =>
  input instanceof RunOutput
    ? {
        runId: input.runId,
        resolutions: input.requirements.flatMap((requirement) => requirement.pendingResolution ?? []),
      }
    : input
