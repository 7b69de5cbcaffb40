/**
 * toolgate's client SDK: connect to any MCP server, hand its tools to any model in OpenAI format, call
 * them. Also the plugin contract, for typing tool handlers.
 */
export {
  createMcpClient,
  type CallToolOptions,
  type CreateMcpClientOptions,
  type McpClient,
} from './client/mcp-client.js';
export {
  httpTransport,
  sseTransport,
  stdioTransport,
  type McpTransportSpec,
  type StdioOptions,
} from './shared/mcp/transports.js';
export {
  parseToolArguments,
  toOpenAIParameters,
  toOpenAITools,
  toToolMessage,
  type OpenAIToolSet,
} from './shared/llm/openai-tools.js';
export { completion, type CompletionRequest, type CompletionResponse } from './client/completion.js';
export {
  defineTool,
  type ToolContext,
  type ToolDefinition,
  type ToolHandler,
  type ToolLogLevel,
} from './shared/plugins/plugin-contract.js';
export type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
