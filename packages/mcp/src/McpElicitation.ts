import { completeAnswers, Json, RequirementPlugin, UserInputField } from '@countersign/core'
import type { ElicitRequestFormParams } from '@modelcontextprotocol/sdk/types.js'
import { Either, Schema } from 'effect'
import { resultOf } from './internal/elicitForm.js'

/** An MCP server's question during a call, as its run stores it. */
export const ElicitationRequest = Schema.Struct({
  /** The server's message, shown to the person. */
  message: Schema.String,
  /** The toolkit (server) that asks. */
  server: Schema.String,
  fields: Schema.Array(UserInputField),
  /** The server's schema, kept to check the answer against it, not only against the form. */
  requestedSchema: Json,
})
export type ElicitationRequest = typeof ElicitationRequest.Type

// Stored as it came, once the form it makes was accepted (see `formOf`).
const schemaOf = (request: ElicitationRequest) =>
  request.requestedSchema as ElicitRequestFormParams['requestedSchema']

/**
 * "The MCP server asks": a server's `elicitation/create` during a tool call, as a user-input
 * form (its fields, plus `response`: accept, decline or cancel). The run pauses on it like on any
 * user input; the answer, checked against the server's schema, goes back to the server and the
 * call goes on. Registered by every MCP toolkit.
 */
export const McpElicitation = RequirementPlugin.make({
  kind: 'mcp_elicitation',
  answers: 'user_input',
  duringCall: true,
  request: ElicitationRequest,
  check: (request, resolution) =>
    Either.match(
      Either.flatMap(completeAnswers(request.fields, resolution.values), (values) =>
        resultOf(schemaOf(request), values),
      ),
      { onLeft: (reason) => reason, onRight: () => undefined },
    ),
  outcome: ({ args }) => RequirementPlugin.Outcome.Execute({ args }),
})

/** The server's answer from a resolved elicitation's form values (checked when it was resolved). */
export const answerOf = (request: ElicitationRequest, values: Readonly<Record<string, unknown>>) =>
  Either.flatMap(completeAnswers(request.fields, values), (complete) => resultOf(schemaOf(request), complete))
