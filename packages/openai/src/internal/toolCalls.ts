/** Turning the provider's tool call pieces into the core's complete `ToolCall`s. */
import { randomUUID } from 'node:crypto'
import { ModelError, type Message, type Model, type ToolCall } from '@countersign/core'

/**
 * The call ids already in the transcript. A call's id keys its result and its idempotency key
 * (`runId:callId`), so a server that reuses ids (or sends none) must not hand the run one twice.
 */
const idsInTranscript = (messages: ReadonlyArray<Message>): Set<string> => {
  const ids = new Set<string>()
  for (const message of messages) {
    if (message._tag === 'Assistant') for (const call of message.toolCalls) ids.add(call.id)
  }
  return ids
}

/** A call of the turn, its arguments decoded, its id as the provider gave it (if it did). */
export type DecodedCall = Decoded & {
  readonly provided: string | undefined
  readonly name: string
}

/** A call's arguments: decoded, or, when they are not a JSON object, the text the model sent. */
type Decoded = { readonly args: ToolCall['args'] } | { readonly unreadable: string; readonly reason: string }

/** How a turn ends: its calls, each under an id new to the run, then what it cost (when known). */
export function* turnEnd(
  messages: ReadonlyArray<Message>,
  calls: ReadonlyArray<DecodedCall>,
  usage: Model.ModelChunk | null | undefined,
): Generator<Model.ModelChunk> {
  const taken = idsInTranscript(messages)
  for (const call of calls) {
    const id = uniqueCallId(call.provided, taken)
    yield 'args' in call
      ? { _tag: 'ToolCall', call: { id, name: call.name, args: call.args } }
      : { _tag: 'InvalidToolCall', id, name: call.name, args: call.unreadable, reason: call.reason }
  }
  if (usage) yield usage
}

/** The provider's id when it is new to the run, else a fresh one; either way recorded in `taken`. */
const uniqueCallId = (provided: string | undefined | null, taken: Set<string>): string => {
  const id = provided && !taken.has(provided) ? provided : `call_${randomUUID().replaceAll('-', '')}`
  taken.add(id)
  return id
}

/**
 * The arguments of a call as JSON text, decoded. Empty text is no arguments (some servers send that for a
 * tool without parameters). Text that is not a JSON object is kept as it came: the core never runs such a
 * call, and tells the model why, so that it may try again.
 */
export const decodeArguments = (text: string): Decoded => {
  if (text.trim() === '') return { args: {} }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { args: value as ToolCall['args'] }
    return { unreadable: text, reason: 'JSON, but not an object' }
  } catch (error) {
    return { unreadable: text, reason: error instanceof Error ? error.message : 'not JSON' }
  }
}

/** A call with no name cannot be run or answered. */
export const namedCall = (model: string, name: string | undefined): string => {
  if (name) return name
  throw new ModelError({
    model,
    reason: 'the model sent a tool call without a name',
    code: 'invalid_tool_call',
    retryable: true,
  })
}
