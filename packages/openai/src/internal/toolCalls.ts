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
export interface DecodedCall {
  readonly provided: string | undefined
  readonly name: string
  readonly args: ToolCall['args']
}

/** How a turn ends: its calls, each under an id new to the run, then what it cost (when known). */
export function* turnEnd(
  messages: ReadonlyArray<Message>,
  calls: ReadonlyArray<DecodedCall>,
  usage: Model.ModelChunk | null | undefined,
): Generator<Model.ModelChunk> {
  const taken = idsInTranscript(messages)
  for (const { provided, name, args } of calls) {
    yield { _tag: 'ToolCall', call: { id: uniqueCallId(provided, taken), name, args } }
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
 * tool without parameters). Text that is not a JSON object fails the turn with a retryable `ModelError`:
 * asking the model again may well give valid arguments, and nothing ran.
 */
export const decodeArguments = (model: string, name: string, text: string): ToolCall['args'] => {
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ToolCall['args']
  throw new ModelError({
    model,
    reason: `the model called "${name}" with arguments that are not a JSON object: ${preview(text)}`,
    code: 'invalid_tool_arguments',
    retryable: true,
  })
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

const preview = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text)
