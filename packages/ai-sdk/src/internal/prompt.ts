import type { JSONSchema7 } from '@ai-sdk/provider'
import type { Message, Model } from '@countersign/core'

/**
 * The part of the AI SDK's prompt this adapter writes. Its shapes are the same in the v2, v3 and
 * v4 specifications, except a declined call's result: `Denied` is what a version can say of it.
 */
export type Prompt<Denied> = Array<
  | { role: 'system'; content: string }
  | { role: 'user'; content: Array<TextPart> }
  | { role: 'assistant'; content: Array<TextPart | ToolCallPart> }
  | { role: 'tool'; content: Array<ToolResultPart<Denied>> }
>

interface TextPart {
  type: 'text'
  text: string
}

interface ToolCallPart {
  type: 'tool-call'
  toolCallId: string
  toolName: string
  input: unknown
}

interface ToolResultPart<Denied> {
  type: 'tool-result'
  toolCallId: string
  toolName: string
  output: { type: 'text'; value: string } | { type: 'error-text'; value: string } | Denied
}

type AssistantMessage = Extract<Message, { _tag: 'Assistant' }>
type ToolMessage = Extract<Message, { _tag: 'Tool' }>

export interface FunctionTool {
  type: 'function'
  name: string
  description: string
  inputSchema: JSONSchema7
}

/** v3 and v4 say that a person declined a call; v2 has no word for it, so the note is the result's text. */
export type DeniedV3 = { type: 'execution-denied'; reason: string }
export type DeniedV2 = { type: 'text'; value: string }
export const deniedV3 = (note: string): DeniedV3 => ({ type: 'execution-denied', reason: note })
export const deniedV2 = (note: string): DeniedV2 => ({ type: 'text', value: note })

/** The transcript as the spec's prompt: every tool outcome becomes a result for its call id. */
export const toPrompt = <Denied>(
  request: Model.ModelRequest,
  denied: (note: string) => Denied,
): Prompt<Denied> => {
  const prompt: Prompt<Denied> = request.instructions
    ? [{ role: 'system', content: request.instructions }]
    : []
  for (const message of request.messages) {
    if (message._tag === 'Tool') {
      const part = toolResult(message, denied)
      const last = prompt.at(-1)
      // Results of one turn's calls go back together, as the providers expect them.
      if (last?.role === 'tool') last.content.push(part)
      else prompt.push({ role: 'tool', content: [part] })
    } else if (message._tag === 'User') {
      prompt.push({ role: 'user', content: [{ type: 'text', text: message.content }] })
    } else {
      prompt.push({ role: 'assistant', content: assistantContent(message) })
    }
  }
  return prompt
}

export const toTools = (tools: ReadonlyArray<Model.ToolSchema>): Array<FunctionTool> =>
  tools.map((tool) => ({
    type: 'function',
    name: tool.name,
    description: tool.description,
    // The same JSON Schema object, typed more loosely (and read-only) by the core; providers only read it.
    inputSchema: tool.parameters as unknown as JSONSchema7,
  }))

const assistantContent = (message: AssistantMessage): Array<TextPart | ToolCallPart> => [
  ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
  ...message.toolCalls.map((call): ToolCallPart => ({
    type: 'tool-call',
    toolCallId: call.id,
    toolName: call.name,
    input: call.args,
  })),
]

const toolResult = <Denied>(
  message: ToolMessage,
  denied: (note: string) => Denied,
): ToolResultPart<Denied> => {
  const text = withFilledInArgs(message)
  const output =
    message.outcome === 'failed'
      ? { type: 'error-text' as const, value: text }
      : message.outcome === 'skipped'
        ? denied(text)
        : { type: 'text' as const, value: text }
  return { type: 'tool-result', toolCallId: message.toolCallId, toolName: message.toolName, output }
}

/** When a person filled in arguments, the model is told what the call actually ran with. */
const withFilledInArgs = (message: ToolMessage): string =>
  message.args === undefined
    ? message.content
    : `${message.content}\n\n(The call ran with arguments a person filled in: ${JSON.stringify(message.args)})`
