/** An async iterable of model chunks as a core model stream whose interruption aborts the request at once. */
import type { Model, ModelError } from '@countersign/core'
import { Effect, Stream } from 'effect'
import { toModelError } from './errors.js'

/**
 * Pushes the chunks from `chunks(signal)` into a stream and aborts `signal` as soon as the stream is
 * interrupted (a cancelled run). Not `Model.fromAsyncIterable`: it aborts only after the iterator's
 * `return()`, which an async generator waiting on the network honours only once its next chunk comes —
 * from a stalled stream, never.
 */
export const abortableStream = (
  model: string,
  chunks: (signal: AbortSignal) => AsyncIterable<Model.ModelChunk>,
): Stream.Stream<Model.ModelChunk, ModelError> =>
  Stream.asyncPush<Model.ModelChunk, ModelError>((emit) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const controller = new AbortController()
        const pump = async () => {
          try {
            for await (const chunk of chunks(controller.signal)) emit.single(chunk)
            emit.end()
          } catch (cause) {
            emit.fail(toModelError(model, cause))
          }
        }
        void pump()
        return controller
      }),
      (controller) => Effect.sync(() => controller.abort()),
    ),
  )
