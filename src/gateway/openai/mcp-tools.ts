import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { toOpenAITools } from '../../shared/llm/openai-tools.js';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import { EVERY_TOOL, type ToolView, type ViewResolver } from '../tools/tool-view.js';

/** `server_url` values naming this gateway's tools (LiteLLM's `litellm_proxy`, and our own name). */
const GATEWAY_URLS = new Set(['litellm_proxy', 'toolgate']);
const SERVER_URL = /^(?:litellm_proxy|toolgate)\/mcp\/([^/]+)$/;

/** The tools of a chat request: what the model is offered, and which of them the gateway runs. */
export interface ChatToolSelection {
  /** Every tool the model is offered: the client's own, then the MCP ones as functions. */
  readonly tools: readonly unknown[];
  /** The MCP tool behind each offered function name, and whether the gateway runs it (`require_approval: never`). */
  readonly mcp: ReadonlyMap<string, { readonly name: string; readonly run: boolean }>;
}

/** A `type: "mcp"` tool entry: which tools it offers, and whether their calls run here. */
function mcpEntryTools(
  entry: Record<string, unknown>,
  index: number,
  catalog: ToolCatalog,
  viewFor: ViewResolver,
  narrow: (view: ToolView) => ToolView,
): { tools: readonly Tool[]; run: boolean } {
  const where = `tools[${index}]`;
  const serverUrl = entry.server_url;
  if (typeof serverUrl !== 'string')
    throw new AppError(
      'invalid_request',
      `${where}.server_url must be "litellm_proxy", "toolgate" or "litellm_proxy/mcp/<server>"`,
    );
  let view: ToolView;
  if (GATEWAY_URLS.has(serverUrl)) view = EVERY_TOOL;
  else {
    const server = SERVER_URL.exec(serverUrl)?.[1];
    if (server === undefined)
      throw new AppError(
        'invalid_request',
        `${where}.server_url "${serverUrl}" is not served here: use "litellm_proxy" or "litellm_proxy/mcp/<server>"`,
      );
    // The gateway's names: tools of several entries (or servers) never clash.
    view = viewFor({ serversHeader: server });
  }
  const allowed = entry.allowed_tools;
  if (allowed !== undefined && !(Array.isArray(allowed) && allowed.every((name) => typeof name === 'string')))
    throw new AppError('invalid_request', `${where}.allowed_tools must be an array of tool names`);
  const listed = narrow(view).list(catalog);
  const tools = allowed === undefined ? listed : listed.filter((tool) => (allowed as string[]).includes(tool.name));
  return { tools, run: entry.require_approval === 'never' };
}

/**
 * Splits a chat request's `tools` into the client's own (passed to the model as they are, never run
 * here) and `type: "mcp"` entries, which become function tools for the catalog's tools they name.
 * Undefined when the request has no MCP entry (the request then goes upstream untouched). `narrow` keeps
 * the tools to what the caller's key may use.
 */
export function selectChatTools(
  rawTools: unknown,
  catalog: ToolCatalog,
  viewFor: ViewResolver,
  narrow: (view: ToolView) => ToolView,
): ChatToolSelection | undefined {
  if (!Array.isArray(rawTools) || !rawTools.some((tool) => isJsonObject(tool) && tool.type === 'mcp')) return undefined;
  const clientTools: unknown[] = [];
  const offered = new Map<string, { tool: Tool; run: boolean }>();
  rawTools.forEach((entry: unknown, index) => {
    if (!isJsonObject(entry) || entry.type !== 'mcp') {
      clientTools.push(entry);
      return;
    }
    const { tools, run } = mcpEntryTools(entry, index, catalog, viewFor, narrow);
    for (const tool of tools) offered.set(tool.name, { tool, run: run || offered.get(tool.name)?.run === true });
  });
  const clientNames = new Set(
    clientTools.map((tool) => (isJsonObject(tool) && isJsonObject(tool.function) ? tool.function.name : undefined)),
  );
  const { tools, mcpNameOf } = toOpenAITools([...offered.values()].map(({ tool }) => tool));
  const clash = tools.find((tool) => clientNames.has(tool.function.name));
  if (clash)
    throw new AppError(
      'invalid_request',
      `tools: the function "${clash.function.name}" has the name of an MCP tool; rename it`,
    );
  const mcp = new Map(
    [...mcpNameOf].map(([openAiName, name]) => [openAiName, { name, run: offered.get(name)?.run === true }]),
  );
  return { tools: [...clientTools, ...(tools satisfies ChatCompletionFunctionTool[])], mcp };
}
