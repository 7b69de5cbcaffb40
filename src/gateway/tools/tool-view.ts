import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { findServer, type UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
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

/** A tool of `servers`' by the catalog's name, or undefined: one lookup, whatever the catalog's size. */
function upstreamTool(catalog: ToolCatalog, servers: ReadonlySet<string>, name: string) {
  const tool = catalog.get(name);
  return tool?.target.kind === 'upstream' && servers.has(tool.target.server)
    ? { tool, upstreamName: tool.target.tool }
    : undefined;
}

/** One server's tools, under the names the server itself gives them. */
function oneServer(server: string): ToolView {
  const only = new Set([server]);
  // The server's tools as this view shows them, and upstream name → catalog name: built once per
  // version of the catalog's list (a new array on every change), so that listing is a lookup and
  // resolving a call is one.
  const indexes = new WeakMap<readonly Tool[], { listed: readonly Tool[]; byUpstreamName: Map<string, string> }>();
  const indexOf = (catalog: ToolCatalog) => {
    let index = indexes.get(catalog.mcpTools);
    if (!index) {
      const listed: Tool[] = [];
      const byUpstreamName = new Map<string, string>();
      for (const tool of catalog.mcpTools) {
        const found = upstreamTool(catalog, only, tool.name);
        if (!found) continue;
        byUpstreamName.set(found.upstreamName, tool.name);
        listed.push({ ...tool, name: found.upstreamName });
      }
      index = { listed, byUpstreamName };
      indexes.set(catalog.mcpTools, index);
    }
    return index;
  };
  return {
    list: (catalog) => indexOf(catalog).listed,
    resolve: (catalog, name) => indexOf(catalog).byUpstreamName.get(name),
    shows: (candidate) => candidate === server,
    upstreamNames: true,
  };
}

/** Some servers' tools, under the gateway's names. */
function someServers(servers: ReadonlySet<string>): ToolView {
  const resolve = (catalog: ToolCatalog, name: string) => (upstreamTool(catalog, servers, name) ? name : undefined);
  return {
    list: (catalog) => catalog.mcpTools.filter((tool) => resolve(catalog, tool.name) !== undefined),
    resolve,
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
    const server = findServer(servers, nameOrAlias);
    if (!server) throw new AppError('not_found', `Unknown MCP server: ${nameOrAlias}`);
    return server.name;
  };
  // One view per server or set of servers, made once: sessions resolve theirs on every request, and a
  // view keeps its own index of the catalog.
  const made = new Map<string, ToolView>();
  const once = (key: string, make: () => ToolView) => {
    let view = made.get(key);
    if (!view) made.set(key, (view = make()));
    return view;
  };
  return (request: { pathServer?: string; serversHeader?: string }): ToolView => {
    if (request.pathServer !== undefined) {
      const server = find(request.pathServer);
      return once(`path:${server}`, () => oneServer(server));
    }
    const listed =
      request.serversHeader
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean) ?? [];
    if (listed.length === 0) return EVERY_TOOL;
    // Only configured servers get this far: the keys are bounded by the config.
    const names = [...new Set(listed.map(find))].sort();
    return once(`servers:${names.join(',')}`, () => someServers(new Set(names)));
  };
}

export type ViewResolver = ReturnType<typeof createViewResolver>;
