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

    const onEvent = (event: ThreadEvent) => {
      if (event.type === 'progress') {
        // Progress must increase; stale or repeated values are dropped.
        if (progressToken === undefined || event.progress <= lastProgress) return;
        lastProgress = event.progress;
        void extra
          .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: event.progress, total: event.total, message: event.message } })
          .catch(() => {});
        return;
      }
      deps.logger.info({ tool: params.name, requestId, level: event.level, data: event.data }, 'tool log');
      if (clientLogLevel !== undefined && levelRank(event.level) >= levelRank(clientLogLevel)) {
        void extra.sendNotification({ method: 'notifications/message', params: { level: event.level, logger: params.name, data: event.data } }).catch(() => {});
      }
    };

    const onAbort = () => hooks.onCancelled?.(extra.requestId);
    extra.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await deps.invoker.invoke(params.name, params.arguments, { requestId, signal: extra.signal, onEvent });
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
