import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { Either } from 'effect'

/*
 * A tool's result as the model reads it. The server is untrusted: whatever it sends, the model
 * (and the run's store) gets at most `limit` characters of it, and only text.
 */

const clip = (text: string, limit: number) =>
  text.length <= limit ? text : `${text.slice(0, limit)}… [${text.length - limit} more characters cut]`

type Part = CallToolResult['content'][number]

const partText = (part: Part): string => {
  switch (part.type) {
    case 'text':
      return part.text
    case 'image':
    case 'audio':
      return `[${part.type}: ${part.mimeType}]`
    case 'resource_link':
      return `[resource: ${part.uri}]`
    case 'resource':
      return 'text' in part.resource ? part.resource.text : `[resource: ${part.resource.uri}]`
    default:
      return '[content of an unknown type]'
  }
}

const textOf = (result: CallToolResult, limit: number) =>
  clip((result.content ?? []).map(partText).join('\n'), limit)

/**
 * What the call answers: the structured content when the server gives it (and it fits), else
 * the text of its content; a result the server marked as an error is the call's failure.
 */
export const readResult = (result: CallToolResult, limit: number): Either.Either<unknown, string> => {
  if (result.isError === true) return Either.left(textOf(result, limit) || 'the tool reported an error')
  const structured = result.structuredContent
  if (structured !== undefined && JSON.stringify(structured).length <= limit) return Either.right(structured)
  return Either.right(textOf(result, limit))
}
