import { AppError } from '../../shared/errors.js';
import type { VirtualKey } from '../keys/key-store.js';
import type { Principal } from '../keys/principal.js';
import type { CatalogTool, ToolCatalog } from './tool-catalog.js';
import type { ToolView } from './tool-view.js';

/**
 * Whether a key limits tools at all: one with no `tools` and no `object_permission` may use every tool;
 * one with either may use only what they name (an `object_permission` with empty lists names nothing).
 */
function limitsTools(key: VirtualKey): boolean {
  return key.tools.length > 0 || key.object_permission !== null;
}

/** Whether a key may use a tool: named in `tools`, or its server's in `mcp_tool_permissions` or `mcp_servers`. */
function keyMayUseTool(key: VirtualKey, tool: CatalogTool): boolean {
  if (key.tools.includes(tool.name)) return true;
  if (tool.target.kind !== 'upstream' || key.object_permission === null) return false;
  const listed = key.object_permission.mcp_tool_permissions[tool.target.server];
  return listed ? listed.includes(tool.target.tool) : key.object_permission.mcp_servers.includes(tool.target.server);
}

/** Whether a key may see an upstream server's prompts and resources: `object_permission` gives it some of its tools. */
function keyMayUseServer(key: VirtualKey, server: string): boolean {
  if (key.object_permission === null) return false;
  const { mcp_servers, mcp_tool_permissions } = key.object_permission;
  return mcp_servers.includes(server) || (mcp_tool_permissions[server]?.length ?? 0) > 0;
}

/** What a key may use, for the message that refuses it something else. */
function grantsOf(key: VirtualKey): string {
  const { mcp_servers, mcp_tool_permissions } = key.object_permission ?? { mcp_servers: [], mcp_tool_permissions: {} };
  const grants = [
    key.tools.length > 0 && `tools ${key.tools.join(', ')}`,
    mcp_servers.length > 0 && `every tool of MCP servers ${mcp_servers.join(', ')}`,
    ...Object.entries(mcp_tool_permissions).map(([server, tools]) => `${server}'s ${tools.join(', ')}`),
  ];
  return grants.filter(Boolean).join('; ') || 'nothing';
}

/**
 * A view narrowed to what the principal may use: tools outside its key are not listed, calling one is
 * refused saying what the key may call, and servers it has no tool of show no prompts or resources.
 */
export function viewFor(principal: Principal, view: ToolView): ToolView {
  if (principal.kind === 'master' || !limitsTools(principal.key)) return view;
  const { key } = principal;
  const toolOf = (catalog: ToolCatalog, name: string) => {
    const resolved = view.resolve(catalog, name);
    return resolved === undefined ? undefined : catalog.get(resolved);
  };
  return {
    ...view,
    list: (catalog) =>
      view.list(catalog).filter((listed) => {
        const tool = toolOf(catalog, listed.name);
        return tool !== undefined && keyMayUseTool(key, tool);
      }),
    resolve(catalog, name) {
      const tool = toolOf(catalog, name);
      if (tool !== undefined && !keyMayUseTool(key, tool))
        throw new AppError('forbidden', `This key may not call tool ${name} (it may use: ${grantsOf(key)})`);
      return tool?.name;
    },
    shows: (server) => view.shows(server) && keyMayUseServer(key, server),
  };
}
