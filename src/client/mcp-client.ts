import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';
import { packageVersion } from '../shared/package-version.js';
import { parseToolArguments, toOpenAITools, toToolMessage, type OpenAIToolSet } from '../shared/llm/openai-tools.js';
import { listAllTools } from '../shared/mcp/list-tools.js';
import { isAlive, killAndWait, processTree } from '../shared/mcp/process-tree.js';
import { openTransport, type McpTransportSpec } from '../shared/mcp/transports.js';

export interface CallToolOptions {
  /** Fails the call with a timeout error after this long (the SDK's default is 60 s). */
  readonly timeoutMs?: number;
  /** Cancels the call (the server receives `notifications/cancelled`). */
  readonly signal?: AbortSignal;
}

export interface McpClient {
  /** Every tool the server offers, paging through `nextCursor`. */
  listTools(options?: { format?: 'mcp' }): Promise<Tool[]>;
  /** The same tools as an OpenAI chat `tools` array. */
  listTools(options: { format: 'openai' }): Promise<ChatCompletionFunctionTool[]>;
  /** Calls a tool. Failures inside the tool come back as `isError: true`; protocol errors throw. */
  callTool(name: string, args?: Record<string, unknown>, options?: CallToolOptions): Promise<CallToolResult>;
  /** Calls the tool an OpenAI model asked for (its name mapped back, arguments parsed tolerantly). */
  callOpenAITool(toolCall: ChatCompletionMessageFunctionToolCall, options?: CallToolOptions): Promise<CallToolResult>;
  /** The `role: 'tool'` message that hands a result back to the model. */
  toToolMessage(
    toolCall: Pick<ChatCompletionMessageFunctionToolCall, 'id'>,
    result: CallToolResult,
  ): ChatCompletionToolMessageParam;
  /** Closes the connection; a stdio server and its children are gone when this resolves. */
  close(): Promise<void>;
  /** The underlying `@modelcontextprotocol/sdk` client, for everything else (resources, prompts, …). */
  readonly sdk: Client;
  /** The stdio server's process id (undefined for HTTP transports). */
  readonly pid: number | undefined;
}

export interface CreateMcpClientOptions {
  readonly transport: McpTransportSpec;
  readonly clientInfo?: { name: string; version: string };
}

/** Connects to an MCP server over stdio, SSE or streamable HTTP. */
export async function createMcpClient({ transport: spec, clientInfo }: CreateMcpClientOptions): Promise<McpClient> {
  const sdk = new Client(clientInfo ?? { name: 'toolgate-client', version: packageVersion });
  const transport = openTransport(spec);
  await sdk.connect(transport);
  let openAiTools: OpenAIToolSet | undefined;

  const listMcpTools = (): Promise<Tool[]> => listAllTools(sdk);

  async function callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<CallToolResult> {
    const result = await sdk.callTool({ name, arguments: args }, CallToolResultSchema, {
      timeout: options.timeoutMs,
      signal: options.signal,
    });
    return result as CallToolResult;
  }

  const pid = spec.kind === 'stdio' ? ((transport as StdioClientTransport).pid ?? undefined) : undefined;

  return {
    sdk,
    pid,
    listTools: (async (options?: { format?: 'mcp' | 'openai' }) => {
      const tools = await listMcpTools();
      if (options?.format !== 'openai') return tools;
      openAiTools = toOpenAITools(tools);
      return openAiTools.tools;
    }) as McpClient['listTools'],
    callTool,
    async callOpenAITool(toolCall, options) {
      openAiTools ??= toOpenAITools(await listMcpTools());
      const name = openAiTools.mcpNameOf.get(toolCall.function.name) ?? toolCall.function.name;
      return callTool(name, parseToolArguments(toolCall.function.arguments), options);
    },
    toToolMessage,
    async close() {
      // Snapshot the child's own children first: once it exits they are re-parented and out of sight.
      const tree = pid === undefined ? [] : processTree(pid);
      await sdk.close();
      const survivors = tree.filter(isAlive);
      if (survivors.length > 0) await killAndWait(survivors);
    },
  };
}
