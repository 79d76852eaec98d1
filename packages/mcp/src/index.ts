/**
 * @countersign/mcp — the Model Context Protocol for Countersign, on the official
 * `@modelcontextprotocol/sdk`: any MCP server's tools as a toolkit under human control (by name
 * and by annotation), its questions (elicitation) as requirements, and Countersign agents served
 * as MCP tools.
 */
export * as McpToolkit from './McpToolkit.js'
export * as AnnotationsPolicy from './AnnotationsPolicy.js'
export { ElicitationRequest, McpElicitation } from './McpElicitation.js'
export { McpConnectFailed, McpConnectionLost, McpToolkitInvalid, McpUnknownTool } from './McpError.js'
export * as McpServer from './McpServer.js'
