import { type Duration, Effect, Layer, ManagedRuntime, Stream } from 'effect'
import * as IdGenerator from '../IdGenerator.js'
import * as MemoryStore from '../MemoryStore.js'
import type { RequirementRecord, ResolutionInput } from '../Requirement.js'
import type { RunEvent } from '../RunEvent.js'
import * as RunEngine from '../RunEngine.js'
import type { ContinueRequest } from '../RunEngine.js'
import { RunOutput } from '../RunOutput.js'
import { RunStore } from '../RunStore.js'
import type { Runnable } from '../Runnable.js'
import { followerToAsyncIterable, toAsyncIterable, toPromise } from './promises.js'
import { closeToolkits } from './toolkits.js'

/** What `continueRun` accepts: a paused run's output with decisions made on its requirements, or a run id and decisions. */
export type ContinueInput = RunOutput | ContinueRequest

/** The request a `ContinueInput` makes: a paused output's pending decisions, or the request as given. */
export const continueRequest = (input: ContinueInput): ContinueRequest =>
  input instanceof RunOutput
    ? {
        runId: input.runId,
        resolutions: input.requirements.flatMap((requirement) => requirement.pendingResolution ?? []),
      }
    : input

/** How an agent, team or workflow with a Promise API keeps its runs, and how its engine judges. */
export interface RunnerOptions {
  /** Where runs are kept. Instances that share a store share runs: one can continue what another paused. Defaults to a new memory store. */
  readonly store?: RunStore
  /** Whether a requester may approve their own calls (default false). See `RunEngine.EngineOptions`. */
  readonly allowSelfApproval?: boolean
  /** How long a run's writer holds its lease (default 30 seconds): see `RunEngine.EngineOptions.writerLease`. */
  readonly writerLease?: Duration.DurationInput
}

/**
 * The Promise API shared by agents, teams and workflows: each instance runs its own engine over
 * its store. Methods reject with the typed errors of `Errors`.
 */
export abstract class Runner {
  readonly store: RunStore
  private readonly runtime: ManagedRuntime.ManagedRuntime<RunEngine.RunEngine, never>

  constructor({ store, allowSelfApproval, writerLease }: RunnerOptions) {
    this.store = store ?? MemoryStore.make()
    this.runtime = ManagedRuntime.make(
      RunEngine.layerWith({
        ...(allowSelfApproval === undefined ? {} : { allowSelfApproval }),
        ...(writerLease === undefined ? {} : { writerLease }),
      }).pipe(Layer.provide(Layer.succeed(RunStore, this.store)), Layer.provide(IdGenerator.layer)),
    )
  }

  /** What this instance runs. */
  protected abstract get definition(): Runnable

  /** Runs until the run completes, fails or pauses for a person. */
  run(input: string, options?: RunEngine.RunOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.run(this.definition, input, options))
  }

  /** Runs, yielding the run's events; the stream of a run that pauses ends with RunPaused. */
  runStream(input: string, options?: RunEngine.RunOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.runStream(this.definition, input, options))
  }

  /**
   * Continues a paused run: records the decisions made on the output's requirements (or the
   * given resolutions), then resumes the run where it stopped. Rejects with
   * RequirementsUnresolved, leaving the run paused, while any requirement is open.
   */
  continueRun(input: ContinueInput, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.continueRun(this.definition, continueRequest(input), options))
  }

  continueRunStream(input: ContinueInput, options?: RunEngine.ResolveOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) =>
      engine.continueRunStream(this.definition, continueRequest(input), options),
    )
  }

  /** Records decisions without continuing the run. */
  resolve(
    runId: string,
    resolutions: ReadonlyArray<ResolutionInput>,
    options?: RunEngine.ResolveOptions,
  ): Promise<ReadonlyArray<RequirementRecord>> {
    return this.promise((engine) => engine.resolve(this.definition, runId, resolutions, options))
  }

  /** Ends a run for good; its open requirements lapse as cancelled, by `options.principal`. */
  cancelRun(runId: string, options?: RunEngine.ResolveOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.cancelRun(this.definition, runId, options))
  }

  /**
   * Takes over a run whose writer died (its process was killed mid-way) and goes on from what
   * the store holds. Calls that had started without a stored result run again with the same
   * idempotency key (`interruptedCalls: 'retry'`) or wait for a person (`'ask'`). See
   * `RunEngine.recoverRun`.
   */
  recoverRun(runId: string, options: RunEngine.RecoverOptions): Promise<RunOutput> {
    return this.promise((engine) => engine.recoverRun(this.definition, runId, options))
  }

  recoverRunStream(runId: string, options: RunEngine.RecoverOptions): AsyncIterable<RunEvent> {
    return this.iterate((engine) => engine.recoverRunStream(this.definition, runId, options))
  }

  getRun(runId: string): Promise<RunOutput> {
    return this.promise((engine) => engine.getRun(this.definition, runId))
  }

  /** The run's events after `afterSeq`, stored then live, up to its next pause or ending. */
  followRun(runId: string, afterSeq?: number): AsyncIterable<RunEvent> {
    return followerToAsyncIterable(
      this.runtime,
      Effect.flatMap(RunEngine.RunEngine, (engine) => engine.follower(this.definition, runId, afterSeq)),
    )
  }

  /**
   * Stops this instance's engine, then closes the toolkits its definition uses (see
   * `Toolkit.close`). Paused runs stay in the store; runs still working are left for recovery.
   */
  async dispose(): Promise<void> {
    await this.runtime.dispose()
    await closeToolkits([this.definition])
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
