import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, ListToolsRequestSchema, McpError, SetLevelRequestSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { ThreadEvent } from '../../shared/execution/thread-protocol.js';
import type { Logger } from '../../shared/logger.js';
import { TOOL_LOG_LEVELS } from '../../shared/plugins/plugin-contract.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { ToolInvoker } from '../tools/tool-invoker.js';

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

export interface McpServerDeps {
  readonly catalog: ToolCatalog;
  readonly invoker: ToolInvoker;
  readonly logger: Logger;
  readonly version: string;
}

export interface SessionServerHooks {
  /** Called when the client cancels a request, so its SSE stream can be ended. */
  readonly onCancelled?: (requestId: string | number) => void;
}

function levelRank(level: string): number {
  return TOOL_LOG_LEVELS.indexOf(level as (typeof TOOL_LOG_LEVELS)[number]);
}

/** A low-level MCP `Server` for one session: `tools/list`, `tools/call` and `logging/setLevel`. */
export function createSessionServer(deps: McpServerDeps, hooks: SessionServerHooks = {}): Server {
  const server = new Server({ name: 'toolgate', version: deps.version }, { capabilities: { tools: { listChanged: false }, logging: {} } });
  // The client's chosen level; until it sets one, tool logs are not sent (only written to our log).
  let clientLogLevel: LoggingLevel | undefined;

  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    clientLogLevel = request.params.level;
    return {};
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...deps.catalog.mcpTools] }));

  server.setRequestHandler(CallToolMethodSchema, async (request, extra) => {
    // The Server wrapper has checked this is a CallToolRequest.
    const params = request.params as { name: string; arguments?: unknown; _meta?: { progressToken?: string | number } };
    const progressToken = params._meta?.progressToken;
    const headerId = extra.requestInfo?.headers['x-request-id'];
    const requestId = typeof headerId === 'string' ? headerId : randomUUID();
    let lastProgress = -Infinity;
    // Notifications are sent asynchronously; the result must not overtake them, or the client (which
    // stops listening for a request's progress once it is answered) loses the last ones.
    const sending = new Set<Promise<void>>();
    let lastNotifiedAt = 0;
    const notify = (notification: Parameters<typeof extra.sendNotification>[0]) => {
      lastNotifiedAt = Date.now();
      const sent = extra.sendNotification(notification).catch(() => {});
      sending.add(sent);
      void sent.finally(() => sending.delete(sent));
    };

    const onEvent = (event: ThreadEvent) => {
      if (event.type === 'progress') {
        // Progress must increase; stale or repeated values are dropped.
        if (progressToken === undefined || event.progress <= lastProgress) return;
        lastProgress = event.progress;
        notify({ method: 'notifications/progress', params: { progressToken, progress: event.progress, total: event.total, message: event.message } });
        return;
      }
      deps.logger.info({ tool: params.name, requestId, level: event.level, data: event.data }, 'tool log');
      if (clientLogLevel !== undefined && levelRank(event.level) >= levelRank(clientLogLevel)) {
        notify({ method: 'notifications/message', params: { level: event.level, logger: params.name, data: event.data } });
      }
    };

    const onAbort = () => hooks.onCancelled?.(extra.requestId);
    extra.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await deps.invoker.invoke(params.name, params.arguments, { requestId, signal: extra.signal, onEvent });
      await Promise.all(sending);
      const sinceNotified = Date.now() - lastNotifiedAt;
      if (sinceNotified < NOTIFICATION_GAP_MS) await new Promise((resolve) => setTimeout(resolve, NOTIFICATION_GAP_MS - sinceNotified));
      return result;
    } catch (error) {
      if (error instanceof AppError) {
        throw new McpError(error.code === 'unknown_tool' ? ErrorCode.InvalidParams : error.jsonRpcCode, error.message);
      }
      deps.logger.error({ err: error, tool: params.name, requestId }, 'tool call failed');
      throw new McpError(ErrorCode.InternalError, 'Internal error');
    } finally {
      extra.signal.removeEventListener('abort', onAbort);
    }
  });

  return server;
}
