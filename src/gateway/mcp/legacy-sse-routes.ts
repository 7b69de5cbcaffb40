import type { KeyGuards } from '../keys/key-guards.js';
import { ROUTE_PATHS } from '../http/route-family.js';
import type { Request, Response, Router } from 'express';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { sendJsonRpcError } from '../http/error-response.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { createSessionServer, type McpServerDeps } from './mcp-server.js';
import { createLegacySessionState } from './session-state.js';
import type { LegacySessions } from './legacy-sessions.js';
import { principalId, principalOf } from '../keys/principal.js';
import type { ToolView } from '../tools/tool-view.js';

/** Where legacy clients post their messages; a path, never an absolute URL, so proxies keep working. */
const MESSAGES_PATH = '/mcp/messages';

export interface LegacySseDeps {
  readonly sessions: LegacySessions;
  readonly serverDeps: McpServerDeps;
  /** The tools a new session sees, from its path and `x-mcp-servers`. */
  readonly resolveView: (req: Request) => ToolView;
  readonly guards: KeyGuards;
}

function acceptsEventStream(req: Request): boolean {
  const accept = req.get('accept');
  return accept === undefined || accept.includes('text/event-stream') || accept.includes('*/*');
}

/** Opens a 2024-11-05 HTTP+SSE session: an `endpoint` event first, then messages. */
export function openLegacySse(deps: LegacySseDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    if (!acceptsEventStream(req))
      return sendJsonRpcError(res, 406, -32000, 'Not Acceptable: this endpoint streams text/event-stream');
    // The SDK's legacy transport sets neither of these; proxies would buffer or cut the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    const transport = new SSEServerTransport(MESSAGES_PATH, res);
    const state = createLegacySessionState(transport.sessionId, deps.resolveView(req), principalOf(res));
    const server = createSessionServer(deps.serverDeps, state);
    keepSseAlive(res);
    res.on('close', () => void deps.sessions.remove(transport.sessionId));
    await deps.sessions.add({ server, transport, state });
    await server.connect(transport);
  };
}

/** Legacy routes: the SSE streams, their message endpoints, and 405 for POSTs to the stream paths. */
export function mountLegacySseRoutes(router: Router, deps: LegacySseDeps): void {
  router.get(ROUTE_PATHS.legacyStream, openLegacySse(deps));
  // Clients that try streamable HTTP first fall back to SSE on 405.
  router.post(ROUTE_PATHS.legacyStream, (_req, res) => {
    res.setHeader('Allow', 'GET');
    sendJsonRpcError(
      res,
      405,
      -32000,
      'Method Not Allowed: this is the legacy SSE stream; POST to /mcp for streamable HTTP',
    );
  });
  router.post(ROUTE_PATHS.legacyMessages, deps.guards.mcpMessage, async (req, res) => {
    const raw = req.query.sessionId ?? req.query.session_id;
    const sessionId = typeof raw === 'string' ? raw : undefined;
    if (sessionId === undefined)
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: sessionId query parameter is required');
    // Only the principal that opened a session may post to it: to anyone else it does not exist.
    const principal = principalOf(res);
    const session = deps.sessions.local(sessionId);
    if (session?.state.owner === principalId(principal)) {
      session.state.actAs(principal);
      return session.transport.handlePostMessage(req, res, req.body);
    }
    // The stream is on another gateway (or none): the message goes there, answered on that stream.
    const message = JSONRPCMessageSchema.safeParse(req.body);
    if (!message.success) return sendJsonRpcError(res, 400, -32700, 'Invalid JSON-RPC message');
    if (session || !(await deps.sessions.forward(sessionId, principal, message.data, req.headers)))
      return sendJsonRpcError(res, 404, -32001, 'Session not found: reconnect to the SSE stream');
    res.status(202).end('Accepted');
  });
}
