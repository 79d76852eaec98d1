import { type Requirement, RequiredApproval, type ResolutionInput } from '@countersign/core'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { ElicitRequestFormParams, RequestId } from '@modelcontextprotocol/sdk/types.js'

/*
 * A paused run's requirement, put to the MCP client's user through elicitation: a confirmation
 * as accept (confirm) or decline (reject, with the note); a user-input form as the same fields.
 * Requirements that are someone else's (an approval), or that a form cannot carry, are not asked.
 */

type RequestedSchema = ElicitRequestFormParams['requestedSchema']
type Property = RequestedSchema['properties'][string]

/** How long the MCP client's user may take to answer (their client may give up sooner). */
const answerTimeoutMs = 10 * 60_000

/** Whether the caller is the one to answer: a decision or a form of their own run, not an approval. */
export const isTheCallers = (requirement: Requirement): boolean =>
  requirement.kind !== RequiredApproval.kind && (requirement.needsConfirmation || requirement.needsUserInput)

const propertyOf = (field: NonNullable<Requirement['userInputSchema']>[number]): Property | undefined => {
  const description = field.description === undefined ? {} : { description: field.description }
  const prefill = field.value
  if (field.allowedValues !== undefined) {
    const options = field.allowedValues.filter((value): value is string => typeof value === 'string')
    if (options.length !== field.allowedValues.length) return undefined
    return {
      type: 'string',
      enum: options,
      ...description,
      ...(typeof prefill === 'string' ? { default: prefill } : {}),
    }
  }
  switch (field.type) {
    case 'string':
      return { type: 'string', ...description, ...(typeof prefill === 'string' ? { default: prefill } : {}) }
    case 'number':
    case 'integer':
      return {
        type: field.type,
        ...description,
        ...(typeof prefill === 'number' ? { default: prefill } : {}),
      }
    case 'boolean':
      return {
        type: 'boolean',
        ...description,
        ...(typeof prefill === 'boolean' ? { default: prefill } : {}),
      }
    default:
      return undefined
  }
}

const formOf = (requirement: Requirement): RequestedSchema | undefined => {
  const fields = requirement.userInputSchema ?? []
  const properties: Record<string, Property> = {}
  for (const field of fields) {
    const property = propertyOf(field)
    if (property === undefined) return undefined
    properties[field.name] = property
  }
  return {
    type: 'object',
    properties,
    required: fields
      .filter((field) => field.required && field.value === undefined)
      .map((field) => field.name),
  }
}

const describeCall = (requirement: Requirement) => {
  const request = requirement.request as { readonly message?: unknown }
  const said = typeof request.message === 'string' ? ` ${request.message}` : ''
  return `The agent wants to call ${requirement.toolCall.name} with ${JSON.stringify(requirement.toolCall.args)}.${said}`
}

/**
 * Asks the caller, on the stream of their tool call (`relatedRequestId`); answers their
 * resolution, or undefined when they cancelled or declined a form (the run then stays paused for them).
 */
export const askCaller = async (
  server: Server,
  relatedRequestId: RequestId,
  requirement: Requirement,
): Promise<ResolutionInput | undefined> => {
  const options = { timeout: answerTimeoutMs, relatedRequestId }
  if (requirement.needsConfirmation) {
    const answer = await server.elicitInput(
      {
        message: `${describeCall(requirement)} Accept to let it run, decline to refuse it.`,
        requestedSchema: {
          type: 'object',
          properties: { note: { type: 'string', description: 'Why, if you refuse (the agent reads it)' } },
        },
      },
      options,
    )
    if (answer.action === 'cancel') return undefined
    const note =
      typeof answer.content?.note === 'string' && answer.content.note !== '' ? answer.content.note : undefined
    return {
      requirementId: requirement.id,
      value: { approved: answer.action === 'accept', ...(note === undefined ? {} : { note }) },
    }
  }
  const form = formOf(requirement)
  if (form === undefined) return undefined
  const answer = await server.elicitInput(
    { message: `${describeCall(requirement)} It needs these from you.`, requestedSchema: form },
    options,
  )
  return answer.action === 'accept'
    ? { requirementId: requirement.id, value: { values: answer.content ?? {} } }
    : undefined
}

/** Whether a form of this requirement can be carried by elicitation at all. */
export const canAsk = (requirement: Requirement): boolean =>
  requirement.needsConfirmation || formOf(requirement) !== undefined
