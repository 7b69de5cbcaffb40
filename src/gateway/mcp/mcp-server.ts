import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ListToolsRequestSchema,
  SetLevelRequestSchema,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';
import { requestIdFromHeader } from '../http/request-id.js';
import { pageOf } from './list-paging.js';
import { protocolError } from './protocol-error.js';
import { answerSessionToolCall } from './session-tool-call.js';
import { featureCapabilities, registerUpstreamHandlers, type UpstreamHandlerDeps } from './upstream-handlers.js';
import type { SessionState } from './session-state.js';

// Registered with a permissive params schema so that the SDK's Server wrapper, not Protocol's parser,
// validates the request: malformed params then become -32602 rather than -32603.
const CallToolMethodSchema = z.object({ method: z.literal('tools/call'), params: z.unknown().optional() });

export interface McpServerDeps extends UpstreamHandlerDeps {
  readonly catalog: ToolCatalog;
  readonly invoker: ToolInvoker;
  readonly version: string;
}

export interface SessionServerHooks {
  /** Called when the client cancels a request, so its SSE stream can be ended. */
  readonly onCancelled?: (requestId: string | number) => void;
}

/**
 * A low-level MCP `Server` for one session: `tools/list`, `tools/call` and `logging/setLevel`, and the
 * upstream servers' resources, prompts and completions when any of them offers those as the session opens.
 */
export function createSessionServer(
  deps: McpServerDeps,
  session: SessionState,
  hooks: SessionServerHooks = {},
): Server {
  const offered = deps.features.capabilities();
  const capabilities = { tools: { listChanged: true }, logging: {}, ...featureCapabilities(offered) };
  const server = new Server({ name: 'toolgate', version: deps.version }, { capabilities });
  registerUpstreamHandlers(server, deps, session, offered);

  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    await session.setLogLevel(request.params.level);
    return {};
  });

  server.setRequestHandler(ListToolsRequestSchema, (request) =>
    pageOf('tools', session.view.list(deps.catalog), request.params?.cursor),
  );

  server.setRequestHandler(CallToolMethodSchema, async (request, extra) => {
    // The Server wrapper has checked this is a CallToolRequest.
    const params = request.params as { name: string; arguments?: unknown; _meta?: { progressToken?: string | number } };
    const call = {
      id: extra.requestId,
      name: params.name,
      arguments: params.arguments,
      progressToken: params._meta?.progressToken,
    };
    const answered = await answerSessionToolCall(deps, session, call, {
      send: (notification) => extra.sendNotification(notification as ServerNotification),
      requestId: requestIdFromHeader(extra.requestInfo?.headers['x-request-id']),
      clientHeaders: extra.requestInfo?.headers,
      // Cancelled by the SDK (a legacy session's own notification), or through the session's calls (a
      // cancellation that reached this gateway on another request, or from another gateway).
      signal: extra.signal,
      onCancelled: () => hooks.onCancelled?.(extra.requestId),
    });
    if ('error' in answered) throw protocolError(answered.error.code, answered.error.message);
    // A cancelled call is not answered: the SDK sends nothing for an aborted request.
    return 'result' in answered ? answered.result : {};
  });

  return server;
}
