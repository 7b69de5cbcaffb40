import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import { AppError } from '../../shared/errors.js';
import type { ToolCatalog } from './tool-catalog.js';

/**
 * The part of the catalog a client sees, under the names it uses: everything (`/mcp`), one upstream
 * server's tools under their upstream names (`/mcp/{server}`), or some servers' tools (`x-mcp-servers`).
 * A view only ever narrows: a name outside it is an unknown tool.
 */
export interface ToolView {
  list(catalog: ToolCatalog): readonly Tool[];
  /** The catalog's name for a name the client used; undefined when the view does not show it. */
  resolve(catalog: ToolCatalog, name: string): string | undefined;
  /** Whether the view shows this upstream server (its prompts and resources too). */
  shows(server: string): boolean;
  /** Whether names are the upstream server's own (one server's route) rather than the gateway's. */
  readonly upstreamNames: boolean;
}

export const EVERY_TOOL: ToolView = {
  list: (catalog) => catalog.mcpTools,
  resolve: (_catalog, name) => name,
  shows: () => true,
  upstreamNames: false,
};

function upstreamToolsOf(catalog: ToolCatalog, servers: ReadonlySet<string>) {
  return catalog.tools.filter((tool) => tool.target.kind === 'upstream' && servers.has(tool.target.server));
}

/** One server's tools, under the names the server itself gives them. */
function oneServer(server: string): ToolView {
  const only = new Set([server]);
  const upstreamName = (tool: ReturnType<typeof upstreamToolsOf>[number]) => (tool.target.kind === 'upstream' ? tool.target.tool : tool.name);
  return {
    list: (catalog) => {
      const names = new Set(upstreamToolsOf(catalog, only).map((tool) => tool.name));
      return catalog.mcpTools.filter((tool) => names.has(tool.name)).map((tool) => ({ ...tool, name: upstreamName(catalog.get(tool.name)!) }));
    },
    resolve: (catalog, name) => upstreamToolsOf(catalog, only).find((tool) => upstreamName(tool) === name)?.name,
    shows: (candidate) => candidate === server,
    upstreamNames: true,
  };
}

/** Some servers' tools, under the gateway's names. */
function someServers(servers: ReadonlySet<string>): ToolView {
  const shown = (catalog: ToolCatalog) => new Set(upstreamToolsOf(catalog, servers).map((tool) => tool.name));
  return {
    list: (catalog) => {
      const names = shown(catalog);
      return catalog.mcpTools.filter((tool) => names.has(tool.name));
    },
    resolve: (catalog, name) => (shown(catalog).has(name) ? name : undefined),
    shows: (server) => servers.has(server),
    upstreamNames: false,
  };
}

/**
 * The view a request asks for: a server named in the path (by name or alias), else the servers listed in
 * `x-mcp-servers` (LiteLLM's header), else everything. An unknown server is a 404.
 */
export function createViewResolver(servers: readonly UpstreamServerConfig[]) {
  const find = (nameOrAlias: string) => {
    const server = servers.find((candidate) => candidate.name === nameOrAlias || candidate.prefix === nameOrAlias);
    if (!server) throw new AppError('not_found', `Unknown MCP server: ${nameOrAlias}`);
    return server.name;
  };
  return (request: { pathServer?: string; serversHeader?: string }): ToolView => {
    if (request.pathServer !== undefined) return oneServer(find(request.pathServer));
    const listed = request.serversHeader?.split(',').map((name) => name.trim()).filter(Boolean) ?? [];
    if (listed.length === 0) return EVERY_TOOL;
    return someServers(new Set(listed.map(find)));
  };
}

export type ViewResolver = ReturnType<typeof createViewResolver>;
