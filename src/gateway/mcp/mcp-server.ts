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
import { createCallEventRelay } from './call-event-relay.js';
import { pageOf } from './list-paging.js';
import { protocolError, toolCallError } from './protocol-error.js';
import { featureCapabilities, registerUpstreamHandlers, type UpstreamHandlerDeps } from './upstream-handlers.js';
import type { SessionState } from './session-state.js';

/**
 * SDK clients dispatch notifications a microtask later than responses, so a progress notification that
 * reaches the client in the same read as the result is dropped (the request is already answered). On the
 * legacy SSE stream that happens whenever the two are written back to back; leaving this gap after the
 * last notification puts the result in a read of its own.
 */
const NOTIFICATION_GAP_MS = 5;

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
  registerUpstreamHandlers(server, deps, session.view, offered);

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
    const requestId = requestIdFromHeader(extra.requestInfo?.headers['x-request-id']);
    // Notifications are sent asynchronously; the result must not overtake them, or the client (which
    // stops listening for a request's progress once it is answered) loses the last ones.
    const sending = new Set<Promise<void>>();
    let lastNotifiedAt = 0;
    const onEvent = createCallEventRelay({
      tool: params.name,
      progressToken: params._meta?.progressToken,
      session,
      send: (notification) => {
        lastNotifiedAt = Date.now();
        const sent = extra.sendNotification(notification as ServerNotification).catch(() => {});
        sending.add(sent);
        void sent.finally(() => sending.delete(sent));
      },
    });

    // Cancelled by the SDK (a legacy session's own notification) or through the session's calls (a
    // cancellation that reached this gateway on another request, or from another gateway).
    const controller = new AbortController();
    const abort = () => controller.abort();
    extra.signal.addEventListener('abort', abort, { once: true });
    controller.signal.addEventListener('abort', () => hooks.onCancelled?.(extra.requestId), { once: true });
    session.calls.set(extra.requestId, controller);
    try {
      const result = await deps.invoker.invoke(params.name, params.arguments, {
        requestId,
        signal: controller.signal,
        onEvent,
        view: session.view,
        caller: session.caller,
        clientHeaders: extra.requestInfo?.headers,
      });
      await Promise.all(sending);
      const sinceNotified = Date.now() - lastNotifiedAt;
      if (sinceNotified < NOTIFICATION_GAP_MS)
        await new Promise((resolve) => setTimeout(resolve, NOTIFICATION_GAP_MS - sinceNotified));
      return result;
    } catch (error) {
      const { code, message } = toolCallError(error, deps.logger, { tool: params.name, requestId });
      throw protocolError(code, message);
    } finally {
      extra.signal.removeEventListener('abort', abort);
      session.calls.delete(extra.requestId);
    }
  });

  return server;
}
