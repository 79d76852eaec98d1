/** What both API mappings say of the transcript the same way. */
import type { Message } from '@countersign/core'

type ToolMessage = Extract<Message, { _tag: 'Tool' }>

/**
 * A tool outcome as the model reads it: its `content` (a result, `Error: …`, a person's note), preceded,
 * when a person filled in the arguments, by the arguments the call actually ran with.
 */
export const toolOutput = (message: ToolMessage): string =>
  message.args === undefined
    ? message.content
    : `The call ran with these arguments, which a person filled in: ${JSON.stringify(message.args)}\n\n${message.content}`
