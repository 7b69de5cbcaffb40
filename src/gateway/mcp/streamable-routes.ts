import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { sendJsonRpcError } from '../http/error-response.js';
import type { Logger } from '../../shared/logger.js';
import type { McpServerDeps } from './mcp-server.js';
import { createSessionServer } from './mcp-server.js';
import { createSessionState } from './session-state.js';
import { createFastToolCall } from './fast-tool-call.js';
import type { SessionStore } from './session-store.js';
import type { ToolView } from '../tools/tool-view.js';

export interface StreamableRoutesDeps {
  readonly sessions: SessionStore;
  readonly serverDeps: McpServerDeps;
  readonly logger: Logger;
  /** Opens a legacy SSE session: a GET without `Mcp-Session-Id` is a 2024-11-05 client. */
  readonly openLegacySse: (req: Request, res: Response) => Promise<void>;
  /** The tools a new session sees, from its path and `x-mcp-servers`. */
  readonly resolveView: (req: Request) => ToolView;
}

function containsInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body);
}

/** Starts a stateful streamable HTTP session; its `initialize` response carries `Mcp-Session-Id`. */
async function startSession(deps: StreamableRoutesDeps, req: Request, res: Response): Promise<void> {
  const state = createSessionState(deps.resolveView(req));
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    // Responses are SSE streams: in JSON-response mode the SDK drops progress and log notifications.
    enableJsonResponse: false,
    onsessioninitialized: (id) => deps.sessions.add({ kind: 'streamable', id, server, transport, state }),
    onsessionclosed: (id) => void deps.sessions.close(id),
  });
  const server = createSessionServer(deps.serverDeps, state, { onCancelled: (requestId) => transport.closeSSEStream(requestId) });
  transport.onclose = () => {
    if (transport.sessionId) void deps.sessions.close(transport.sessionId);
  };
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

/**
 * `/mcp` and `/mcp/`: streamable HTTP for POST, DELETE and GET with a session id; legacy SSE for other
 * GETs. `/mcp/{server}` and `/{server}/mcp` do the same for one upstream server's tools.
 */
export function mountStreamableRoutes(router: Router, deps: StreamableRoutesDeps): void {
  const fastPath = createFastToolCall({ invoker: deps.serverDeps.invoker, logger: deps.logger });
  const handle = async (req: Request, res: Response) => {
    const sessionId = req.get('mcp-session-id');
    if (sessionId === undefined) {
      if (req.method === 'GET') return deps.openLegacySse(req, res);
      if (req.method === 'POST' && containsInitialize(req.body)) return startSession(deps, req, res);
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
    }
    const session = deps.sessions.get(sessionId);
    if (session?.kind !== 'streamable') return sendJsonRpcError(res, 404, -32001, 'Session not found: re-initialize');
    deps.sessions.touch(sessionId);
    if (req.method === 'POST' && fastPath.tryHandle(req, res, session)) return;
    await session.transport.handleRequest(req, res, req.body);
  };
  const paths = ['/mcp', '/mcp/', '/mcp/:server', '/:server/mcp'];
  router.post(paths, handle);
  router.get(paths, handle);
  router.delete(paths, handle);
}
