import { Chunk, Effect, Option, type Scope, Stream } from 'effect'
import { ModelError } from './Errors.js'
import type { Message, ToolCall } from './Message.js'
import type { JsonSchemaObject } from './Tool.js'
import type { Usage } from './Usage.js'
import { describe } from './internal/describe.js'
import { acquireRelease } from './internal/scopedRelease.js'

/** A tool as the model is shown it. */
export interface ToolSchema {
  readonly name: string
  readonly description: string
  readonly parameters: JsonSchemaObject
}

export interface ModelRequest {
  readonly instructions: string | undefined
  readonly messages: ReadonlyArray<Message>
  readonly tools: ReadonlyArray<ToolSchema>
}

/**
 * What a model streams back: text as it comes, complete tool calls (with the provider's call
 * ids), and what the turn cost, once known (several `Usage` chunks in a turn add up). A call
 * whose arguments could not be read (not JSON, not an object) is an `InvalidToolCall`: it never
 * runs, and the model is told why, as the call's failed result, so that it may try again.
 */
export type ModelChunk =
  | { readonly _tag: 'TextDelta'; readonly text: string }
  | { readonly _tag: 'ToolCall'; readonly call: ToolCall }
  | {
      readonly _tag: 'InvalidToolCall'
      readonly id: string
      readonly name: string
      /** What the model sent as arguments, as it sent it. */
      readonly args: string
      readonly reason: string
    }
  | { readonly _tag: 'Usage'; readonly usage: Usage }

/** A language model: messages and tool schemas in, streamed text and tool calls out. */
export interface Model {
  readonly id: string
  readonly stream: (request: ModelRequest) => Stream.Stream<ModelChunk, ModelError>
  /**
   * The same chunks as an async iterable, for a model written that way (`fromAsyncIterable`):
   * the engine then reads them without a Stream, which costs more per turn than the chunks do.
   * `signal` aborts when the run stops listening.
   */
  readonly iterate?: (request: ModelRequest, signal: AbortSignal) => AsyncIterable<ModelChunk>
}

/** What an async iterable model threw, as a `ModelError` (one it threw itself is kept as it is). */
export const asModelError = (model: string, cause: unknown): ModelError =>
  cause instanceof ModelError ? cause : new ModelError({ model, reason: describe(cause) })

/**
 * Adapts a model written with async iterables (no Effect needed). `signal` aborts as soon as the
 * run stops listening (it was cancelled, say): at once, even while the iterable waits on a
 * network that sends nothing, which an iterator's `return()` would not interrupt. A `ModelError`
 * the iterable throws is kept as it is; anything else it throws becomes one.
 */
export const fromAsyncIterable = (
  id: string,
  stream: (request: ModelRequest, signal: AbortSignal) => AsyncIterable<ModelChunk>,
): Model => ({
  id,
  iterate: stream,
  stream: (request) =>
    Stream.asyncPush<ModelChunk, ModelError>((emit) =>
      acquireRelease(
        Effect.sync(() => {
          const controller = new AbortController()
          const pump = async () => {
            try {
              for await (const chunk of stream(request, controller.signal)) emit.single(chunk)
              emit.end()
            } catch (cause) {
              emit.fail(asModelError(id, cause))
            }
          }
          void pump()
          return controller
        }),
        (controller) => Effect.sync(() => controller.abort()),
      ),
    ),
})

/** The next chunks of a model's turn, or undefined once it is done. */
export type Pull = Effect.Effect<ReadonlyArray<ModelChunk> | undefined, ModelError>

/**
 * Reads a model's turn chunk by chunk, in the scope, as the engine does: through its async
 * iterable when it has one (a Stream costs more per turn than the chunks themselves), else its
 * Stream. Closing the scope aborts the iterable's request at once, even while it waits on a
 * silent network.
 */
export const pull = (model: Model, request: ModelRequest): Effect.Effect<Pull, never, Scope.Scope> => {
  const iterate = model.iterate
  if (iterate === undefined)
    return Effect.map(Stream.toPull(model.stream(request)), (pull) =>
      pull.pipe(
        Effect.map(Chunk.toReadonlyArray),
        Effect.catchAll((end) => (Option.isNone(end) ? Effect.succeed(undefined) : Effect.fail(end.value))),
      ),
    )
  return Effect.map(
    acquireRelease(
      Effect.sync(() => {
        const controller = new AbortController()
        return { controller, chunks: iterate(request, controller.signal)[Symbol.asyncIterator]() }
      }),
      ({ controller }) => Effect.sync(() => controller.abort()),
    ),
    ({ chunks }) =>
      Effect.async<ReadonlyArray<ModelChunk> | undefined, ModelError>((resume) => {
        chunks.next().then(
          (next) => resume(Effect.succeed(next.done === true ? undefined : [next.value])),
          (cause: unknown) => resume(Effect.fail(asModelError(model.id, cause))),
        )
      }),
  )
}
