import { Schema } from 'effect'

/*
 * What can go wrong between Countersign and an MCP server, as tagged classes: match on `_tag`.
 * Messages name the server and the tool, never a path or a stack.
 */

/** The server could not be reached, or did not complete the MCP handshake. */
export class McpConnectFailed extends Schema.TaggedError<McpConnectFailed>()('McpConnectFailed', {
  server: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `Could not connect to MCP server "${this.server}": ${this.reason}`
  }
}

/** A toolkit option names a tool the server does not offer (a typo would otherwise leave a tool unguarded). */
export class McpUnknownTool extends Schema.TaggedError<McpUnknownTool>()('McpUnknownTool', {
  server: Schema.String,
  option: Schema.String,
  toolName: Schema.String,
}) {
  override get message() {
    return `${this.option} names "${this.toolName}", which MCP server "${this.server}" does not offer.`
  }
}

/** A toolkit option that cannot hold (a tool in two lists that exclude each other, a bad prefix). */
export class McpToolkitInvalid extends Schema.TaggedError<McpToolkitInvalid>()('McpToolkitInvalid', {
  server: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `MCP toolkit "${this.server}": ${this.reason}`
  }
}

/** The connection (or the server's process) ended while a call was in flight: it may or may not have taken effect. */
export class McpConnectionLost extends Schema.TaggedError<McpConnectionLost>()('McpConnectionLost', {
  server: Schema.String,
  toolName: Schema.String,
}) {
  override get message() {
    return `The connection to MCP server "${this.server}" ended during the call to ${this.toolName}; it may or may not have taken effect.`
  }
}
