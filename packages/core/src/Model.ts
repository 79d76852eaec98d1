import { Effect, Stream } from 'effect'
import { ModelError } from './Errors.js'
import type { Message, ToolCall } from './Message.js'
import type { JsonSchemaObject } from './Tool.js'
import type { Usage } from './Usage.js'
import { describe } from './internal/describe.js'

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
}

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
  stream: (request) =>
    Stream.asyncPush<ModelChunk, ModelError>((emit) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const controller = new AbortController()
          const pump = async () => {
            try {
              for await (const chunk of stream(request, controller.signal)) emit.single(chunk)
              emit.end()
            } catch (cause) {
              emit.fail(
                cause instanceof ModelError ? cause : new ModelError({ model: id, reason: describe(cause) }),
              )
            }
          }
          void pump()
          return controller
        }),
        (controller) => Effect.sync(() => controller.abort()),
      ),
    ),
})
