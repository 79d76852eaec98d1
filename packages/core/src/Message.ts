import { Schema } from 'effect'
import { Json } from './Json.js'

/** One call the model asked for. `args` are the model's arguments as given, before decoding. */
export const ToolCall = Schema.Struct({
  id: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  args: Schema.Record({ key: Schema.String, value: Json }),
})
export type ToolCall = typeof ToolCall.Type

export const UserMessage = Schema.TaggedStruct('User', {
  content: Schema.String,
})

export const AssistantMessage = Schema.TaggedStruct('Assistant', {
  content: Schema.String,
  toolCalls: Schema.Array(ToolCall),
})

/**
 * How a tool call ended, as the model is told it. `skipped`: a person declined it (the content
 * says why); `external`: the result came from outside the agent.
 */
export const ToolOutcome = Schema.Literal('completed', 'failed', 'skipped', 'external')
export type ToolOutcome = typeof ToolOutcome.Type

export const ToolMessage = Schema.TaggedStruct('Tool', {
  toolCallId: Schema.NonEmptyString,
  toolName: Schema.NonEmptyString,
  outcome: ToolOutcome,
  /** What the model reads. */
  content: Schema.String,
  /** The arguments it ran with, when they differ from the model's (a person filled some in). */
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Json })),
  /** The structured result, when the tool produced one. */
  result: Schema.optional(Json),
})

/** One entry of a run's transcript. The agent's instructions are not stored: they come from the agent. */
export const Message = Schema.Union(UserMessage, AssistantMessage, ToolMessage)
export type Message = typeof Message.Type
export type UserMessage = typeof UserMessage.Type
export type AssistantMessage = typeof AssistantMessage.Type
export type ToolMessage = typeof ToolMessage.Type
