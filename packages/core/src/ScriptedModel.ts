import { Chunk, Stream } from 'effect'
import { ModelError } from './Errors.js'
import type { Model, ModelChunk, ModelRequest } from './Model.js'
import type { Usage } from './Usage.js'

/** One scripted model answer: plain text, or text and tool calls (and what the turn cost). */
export type Turn =
  | string
  | {
      readonly content?: string
      readonly toolCalls?: ReadonlyArray<{
        readonly name: string
        readonly args?: Readonly<Record<string, unknown>>
        readonly id?: string
      }>
      readonly usage?: Usage
    }

export interface ScriptedModel extends Model {
  /**
   * The latest requests the model received (up to `keepRequests`), oldest first: what it was
   * shown, for assertions.
   */
  readonly requests: ReadonlyArray<ModelRequest>
}

/**
 * How many requests a scripted model keeps by default: enough for any test's assertions, and a
 * bound, since a model serving a long-lived process (a demo server) would otherwise hold every
 * conversation it was ever shown.
 */
export const defaultKeepRequests = 100

/**
 * A model that plays a script, for tests and examples. Given a list, it answers the n-th model
 * turn of a run with the n-th entry (n counts the assistant messages already in the transcript),
 * so a run resumed in a fresh process gets the same answers. Given a function, it answers with
 * whatever the function returns for the request.
 */
export const make = (
  script: ReadonlyArray<Turn> | ((request: ModelRequest) => Turn),
  options: { readonly id?: string; readonly keepRequests?: number } = {},
): ScriptedModel => {
  const id = options.id ?? 'scripted'
  const keep = Math.max(0, options.keepRequests ?? defaultKeepRequests)
  const requests: Array<ModelRequest> = []
  return {
    id,
    requests,
    stream: (request) =>
      Stream.suspend(() => {
        requests.push(request)
        if (requests.length > keep) requests.splice(0, requests.length - keep)
        const index = request.messages.filter((message) => message._tag === 'Assistant').length
        const turn = typeof script === 'function' ? script(request) : script[index]
        if (turn === undefined)
          return Stream.fail(new ModelError({ model: id, reason: `the script has no turn ${index + 1}` }))
        return Stream.fromChunk(Chunk.unsafeFromArray(chunks(turn, index)))
      }),
  }
}

const chunks = (turn: Turn, index: number): Array<ModelChunk> => {
  const { content = '', toolCalls = [], usage } = typeof turn === 'string' ? { content: turn } : turn
  return [
    ...(content.match(/\s*\S+/g) ?? []).map((text): ModelChunk => ({ _tag: 'TextDelta', text })),
    ...toolCalls.map((call, position): ModelChunk => ({
      _tag: 'ToolCall',
      call: { id: call.id ?? `call_${index + 1}_${position + 1}`, name: call.name, args: { ...call.args } },
    })),
    ...(usage === undefined ? [] : [{ _tag: 'Usage', usage } as const]),
  ]
}
