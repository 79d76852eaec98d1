import { AISDKError } from '@ai-sdk/provider'
import type { Model } from '@countersign/core'
import { droppedStream, timedOut, toModelError } from './errors.js'
import type { OpenTurn } from './languageModel.js'
import { toChunk } from './streamParts.js'

/**
 * One model turn: opens the request, then reads the provider's stream parts as they arrive. Ends
 * the request (and its connection) when the run stops listening, on `signal` or the turn's timeout.
 */
export async function* streamTurn(
  model: string,
  open: OpenTurn,
  request: Model.ModelRequest,
  signal: AbortSignal,
  timeoutMs: number,
): AsyncGenerator<Model.ModelChunk> {
  const timeout = AbortSignal.timeout(timeoutMs)
  const fault = (cause: unknown) =>
    timeout.aborted ? timedOut(model, timeoutMs) : toModelError(model, cause)
  const { stream } = await Promise.resolve(open(request, AbortSignal.any([signal, timeout]))).catch(
    (cause: unknown) => Promise.reject(fault(cause)),
  )
  const reader = stream.getReader()
  let finished = false
  try {
    for (;;) {
      const next = await reader.read().catch((cause: unknown) =>
        // A provider's own error passes as it is; anything else is the connection breaking.
        Promise.reject(timeout.aborted || AISDKError.isInstance(cause) ? fault(cause) : droppedStream(model)),
      )
      if (next.done) break
      if (next.value.type === 'error') throw toModelError(model, next.value.error)
      if (next.value.type === 'finish') finished = true
      const chunk = toChunk(next.value)
      if (chunk !== undefined) yield chunk
    }
  } finally {
    // Reached early when the run stops listening or a part fails: the response is not read further.
    await reader.cancel().catch(() => undefined)
  }
  // Every provider ends a turn it completed with `finish`: without one the answer was cut short.
  if (!finished) throw droppedStream(model)
}
