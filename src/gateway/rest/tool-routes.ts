import type { KeyGuards } from '../keys/key-guards.js';
import { ROUTE_PATHS } from '../http/route-family.js';
import { callerOf, principalOf } from '../keys/principal.js';
import { viewFor as keyView } from '../tools/key-view.js';
import type { Router } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { requestIdOf } from '../http/request-id.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { UpstreamHealth } from '../tools/upstream-feed.js';
import { EVERY_TOOL, type ToolView } from '../tools/tool-view.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';

export interface ToolRoutesDeps {
  readonly catalog: ToolCatalog;
  readonly upstreamHealth: () => readonly UpstreamHealth[];
  /** The view `server_id` (a server name or alias, or several comma-separated) asks for. */
  readonly viewFor: (serverId: string | undefined) => ToolView;
  readonly invoker: ToolInvoker;
  readonly guards: KeyGuards;
}

/**
 * LiteLLM's REST tool routes: list (`{ tools, error, message }`, the `/mcp-rest` shape) and call
 * (`{ name, arguments }` → `CallToolResult`; unknown tool 404, missing name 400, bad arguments 200 isError).
 */
export function mountToolRoutes(
  router: Router,
  { catalog, invoker, upstreamHealth, viewFor, guards }: ToolRoutesDeps,
): void {
  // LiteLLM's route: each upstream MCP server's status, last error, tools and latency.
  router.get('/v1/mcp/server/health', (_req, res) => {
    // A virtual key sees only the servers it has tools of.
    const view = keyView(principalOf(res), EVERY_TOOL);
    res.json({ servers: upstreamHealth().filter((health) => view.shows(health.server)) });
  });
  router.get(ROUTE_PATHS.restList, (req, res) => {
    const serverId = typeof req.query.server_id === 'string' ? req.query.server_id : undefined;
    const tools = keyView(principalOf(res), viewFor(serverId)).list(catalog);
    res.json({
      tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
      error: null,
      message: `Successfully retrieved ${tools.length} tools`,
    });
  });

  router.post(ROUTE_PATHS.restCall, guards.toolCall, async (req, res) => {
    const receivedAt = Date.now();
    const body: unknown = req.body;
    if (!isJsonObject(body)) {
      throw new AppError(
        'invalid_request',
        'Request body must be a JSON object: { "name": "<tool>", "arguments": { … } }',
      );
    }
    const { name, arguments: args, server_id: serverId } = body;
    if (typeof name !== 'string' || name === '')
      throw new AppError('invalid_request', 'Missing required field "name" (string)');
    const view = viewFor(typeof serverId === 'string' ? serverId : undefined);
    // A client that disconnects does not cancel the call: like MCP calls, it ends at its deadline.
    const result = await invoker.invoke(name, args, {
      requestId: requestIdOf(res),
      receivedAt,
      view: keyView(principalOf(res), view),
      caller: callerOf(principalOf(res)),
      clientHeaders: req.headers,
    });
    res.json(result);
  });
}
