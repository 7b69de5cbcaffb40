import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { isJsonObject } from '../json-object.js';
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';

const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;

/** OpenAI tools for a server's MCP tools, and the way back from an OpenAI name to the MCP one. */
export interface OpenAIToolSet {
  readonly tools: ChatCompletionFunctionTool[];
  /** OpenAI function name → MCP tool name (differs only where MCP allowed a name OpenAI rejects). */
  readonly mcpNameOf: ReadonlyMap<string, string>;
}

/** A valid, unused OpenAI name for an MCP name OpenAI would reject (`.` and up to 128 characters in MCP). */
function openAiName(mcpName: string, taken: Set<string>): string {
  if (OPENAI_NAME.test(mcpName) && !taken.has(mcpName)) return mcpName;
  const base = mcpName.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX_NAME) || 'tool';
  let candidate = base;
  for (let counter = 2; taken.has(candidate); counter += 1) {
    const suffix = `_${counter}`;
    candidate = base.slice(0, MAX_NAME - suffix.length) + suffix;
  }
  return candidate;
}

/**
 * The JSON Schema OpenAI accepts for parameters: `type: 'object'` and `properties` added when absent, and
 * a missing or empty schema turned into an object that takes nothing.
 */
export function toOpenAIParameters(inputSchema: Tool['inputSchema'] | undefined): Record<string, unknown> {
  if (inputSchema === undefined || Object.keys(inputSchema).length === 0)
    return { type: 'object', properties: {}, additionalProperties: false };
  return { ...inputSchema, type: 'object', properties: inputSchema.properties ?? {} };
}

/** Converts MCP tools to OpenAI chat `tools`, with `strict: false` (MCP schemas rarely meet strict mode). */
export function toOpenAITools(mcpTools: readonly Tool[]): OpenAIToolSet {
  const taken = new Set<string>();
  const mcpNameOf = new Map<string, string>();
  const tools = mcpTools.map((tool): ChatCompletionFunctionTool => {
    const name = openAiName(tool.name, taken);
    taken.add(name);
    mcpNameOf.set(name, tool.name);
    return {
      type: 'function',
      function: {
        name,
        description: tool.description ?? '',
        parameters: toOpenAIParameters(tool.inputSchema),
        strict: false,
      },
    };
  });
  return { tools, mcpNameOf };
}

/** Parses a tool call's arguments; invalid JSON or a non-object counts as no arguments (`{}`). */
export function parseToolArguments(raw: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw ?? '{}');
    return isJsonObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** A tool result as one text: text blocks joined by newlines, other blocks as JSON. */
export function toolResultText(result: CallToolResult): string {
  return (result.content ?? []).map((block) => (block.type === 'text' ? block.text : JSON.stringify(block))).join('\n');
}

/** The `role: 'tool'` message answering a tool call, its content the result's text. */
export function toToolMessage(
  toolCall: Pick<ChatCompletionMessageFunctionToolCall, 'id'>,
  result: CallToolResult,
): ChatCompletionToolMessageParam {
  return { role: 'tool', tool_call_id: toolCall.id, content: toolResultText(result) };
}
