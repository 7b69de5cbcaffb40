import type { Request, Response, Router } from 'express';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { sendJsonRpcError } from '../http/error-response.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { createSessionServer, type McpServerDeps } from './mcp-server.js';
import { createSessionState } from './session-state.js';
import type { SessionStore } from './session-store.js';
import type { ToolView } from '../tools/tool-view.js';

/** Where legacy clients post their messages; a path, never an absolute URL, so proxies keep working. */
const MESSAGES_PATH = '/mcp/messages';

export interface LegacySseDeps {
  readonly sessions: SessionStore;
  readonly serverDeps: McpServerDeps;
  /** The tools a new session sees, from its path and `x-mcp-servers`. */
  readonly resolveView: (req: Request) => ToolView;
}

function acceptsEventStream(req: Request): boolean {
  const accept = req.get('accept');
  return accept === undefined || accept.includes('text/event-stream') || accept.includes('*/*');
}

/** Opens a 2024-11-05 HTTP+SSE session: an `endpoint` event first, then messages. */
export function openLegacySse(deps: LegacySseDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    if (!acceptsEventStream(req)) return sendJsonRpcError(res, 406, -32000, 'Not Acceptable: this endpoint streams text/event-stream');
    // The SDK's legacy transport sets neither of these; proxies would buffer or cut the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    const state = createSessionState(deps.resolveView(req));
    const transport = new SSEServerTransport(MESSAGES_PATH, res);
    const server = createSessionServer(deps.serverDeps, state);
    keepSseAlive(res);
    res.on('close', () => void deps.sessions.close(transport.sessionId));
    deps.sessions.add({ kind: 'sse', id: transport.sessionId, server, transport, state });
    await server.connect(transport);
  };
}

/** Legacy routes: the SSE streams, their message endpoints, and 405 for POSTs to the stream paths. */
export function mountLegacySseRoutes(router: Router, deps: LegacySseDeps): void {
  router.get(['/sse', '/mcp/sse'], openLegacySse(deps));
  // Clients that try streamable HTTP first fall back to SSE on 405.
  router.post(['/sse', '/mcp/sse'], (_req, res) => {
    res.setHeader('Allow', 'GET');
    sendJsonRpcError(res, 405, -32000, 'Method Not Allowed: this is the legacy SSE stream; POST to /mcp for streamable HTTP');
  });
  router.post(['/messages', '/mcp/messages', '/mcp/sse/messages'], async (req, res) => {
    const raw = req.query.sessionId ?? req.query.session_id;
    const sessionId = typeof raw === 'string' ? raw : undefined;
    if (sessionId === undefined) return sendJsonRpcError(res, 400, -32000, 'Bad Request: sessionId query parameter is required');
    const session = deps.sessions.get(sessionId);
    if (session?.kind !== 'sse') return sendJsonRpcError(res, 404, -32001, 'Session not found: reconnect to the SSE stream');
    deps.sessions.touch(sessionId);
    await session.transport.handlePostMessage(req, res, req.body);
  });
}
