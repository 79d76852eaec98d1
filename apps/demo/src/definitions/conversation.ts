import type { Message, Model } from '@countersign/core'

/**
 * What the demo's scripted models read from a conversation. They answer as functions of it, not
 * as fixed lists of turns, so that what they say next depends on what happened: a confirmed
 * call, a rejection and its note, an external result.
 */
export type ToolMessage = Extract<Message, { _tag: 'Tool' }>

/** The request's first user message: the run's input (for a team member, its task). */
export const taskOf = (request: Model.ModelRequest): string =>
  request.messages.find((message) => message._tag === 'User')?.content ?? ''

/** The results of the calls made so far, in order. */
export const toolMessages = (request: Model.ModelRequest): ReadonlyArray<ToolMessage> =>
  request.messages.filter((message): message is ToolMessage => message._tag === 'Tool')

/** The last result of a call to `toolName`, if any. */
export const lastResultOf = (request: Model.ModelRequest, toolName: string): ToolMessage | undefined =>
  toolMessages(request).findLast((message) => message.toolName === toolName)

/** A customer id (`C-1042`) in the text. */
export const customerIn = (text: string): string | undefined => /\bC-\d+\b/i.exec(text)?.[0].toUpperCase()

/**
 * The first dollar amount in the text: `$250`, `250 dollars`, `$1,200.50`, or a bare number right
 * after "refund" (`Refund 50 to customer C-1042`). A customer id's digits are never an amount.
 */
export const amountIn = (text: string): number | undefined => {
  const match =
    /\$\s?([\d,]+(?:\.\d+)?)|\b([\d,]+(?:\.\d+)?)\s?(?:dollars|usd)\b|\brefund(?:\s+of)?\s+([\d,]+(?:\.\d+)?)\b/i.exec(
      text,
    )
  const digits = match?.[1] ?? match?.[2] ?? match?.[3]
  return digits === undefined ? undefined : Number(digits.replaceAll(',', ''))
}

/** `$250.00` */
export const dollars = (amount: number) => `$${amount.toFixed(2)}`

/** What a person said when they declined a call: the tool message's content. */
export const declined = (message: ToolMessage) => message.outcome === 'skipped'
