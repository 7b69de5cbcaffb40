import type { KeyGuards } from '../keys/key-guards.js';
import { ROUTE_PATHS } from '../http/route-family.js';
import type { Request, Response, Router } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  isInitializeRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
  type InitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { sendJsonRpcError } from '../http/error-response.js';
import { callsOf } from '../../shared/json-rpc.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { McpServerDeps } from './mcp-server.js';
import { createSessionServer } from './mcp-server.js';
import { createStreamableToolCall } from './streamable-tool-call.js';
import type { SessionState } from './session-state.js';
import type { StreamableSessions } from './streamable-sessions.js';
import { resumeStream, type StreamResumeDeps } from './stream-resume.js';
import { principalOf } from '../keys/principal.js';
import { requestIdOf } from '../http/request-id.js';
import type { ToolView } from '../tools/tool-view.js';
import { claimsModernEra } from './modern-claim.js';
import type { ModernEndpoint } from './modern-endpoint.js';

export interface StreamableRoutesDeps {
  readonly sessions: StreamableSessions;
  readonly serverDeps: McpServerDeps;
  readonly logger: Logger;
  /** Opens a legacy SSE session: a GET without `Mcp-Session-Id` is a 2024-11-05 client. */
  readonly openLegacySse: (req: Request, res: Response) => Promise<void>;
  /** The tools a session sees, from the path server and `x-mcp-servers` it opened with. */
  /** Calls' SSE events, for clients that resume a stream with `Last-Event-ID`. */
  readonly resume: StreamResumeDeps;
  readonly guards: KeyGuards;
  /** The tools a request sees from its path server and `x-mcp-servers` (before its key narrows them). */
  readonly resolveView: (req: Request) => ToolView;
}

/** What a session's record may keep of the client's `initialize`. */
const MAX_SESSION_RECORD_BYTES = 16_384;

function initializeIn(body: unknown): InitializeRequest | undefined {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.find((message): message is InitializeRequest => isInitializeRequest(message));
}

/**
 * Answers one request on the SDK path: a server and a stateless transport for this request alone, since
 * the session may be served by any gateway (its state is the record). A GET's server is held while its
 * stream is open, for the notifications sent to the session.
 */
async function serveWithSdk(
  deps: StreamableRoutesDeps,
  req: Request,
  res: Response,
  session: SessionState,
): Promise<void> {
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    // Responses are SSE streams: in JSON-response mode the SDK drops progress and log notifications.
    enableJsonResponse: false,
  });
  const server = createSessionServer(deps.serverDeps, session, {
    onCancelled: (requestId) => transport.closeSSEStream(requestId),
  });
  const release = req.method === 'GET' ? deps.sessions.holdStream(session.id, server) : undefined;
  res.on('close', () => {
    release?.();
    void server.close().catch(() => {});
  });
  await server.connect(transport);
  res.setHeader('mcp-session-id', session.id);
  await transport.handleRequest(req, res, req.body);
}

/**
 * `/mcp` and `/mcp/`: streamable HTTP for POST, DELETE and GET with a session id; legacy SSE for other
 * GETs. `/mcp/{server}` and `/{server}/mcp` do the same for one upstream server's tools.
 */
export function mountStreamableRoutes(router: Router, deps: StreamableRoutesDeps): void {
  const toolCalls = createStreamableToolCall({
    invoker: deps.serverDeps.invoker,
    logger: deps.logger,
    sessions: deps.sessions,
    streamLog: deps.resume.log,
  });
  // Loaded with the first request that claims the 2026-07-28 era: 2025-era deployments never pay for it.
  let modern: Promise<ModernEndpoint> | undefined;
  const modernEndpoint = () =>
    (modern ??= import('./modern-endpoint.js').then(({ createModernEndpoint }) =>
      createModernEndpoint({ ...deps.serverDeps, logger: deps.logger }),
    ));
  const handle = async (req: Request, res: Response) => {
    if (
      claimsModernEra(req) &&
      (await (
        await modernEndpoint()
      ).serve(req, res, { view: deps.resolveView(req), principal: principalOf(res), requestId: requestIdOf(res) }))
    )
      return;
    const sessionId = req.get('mcp-session-id');
    if (sessionId === undefined) {
      const initialize = req.method === 'POST' ? initializeIn(req.body) : undefined;
      if (req.method === 'GET') return deps.openLegacySse(req, res);
      if (initialize === undefined)
        return sendJsonRpcError(
          res,
          400,
          -32000,
          'Bad Request: Mcp-Session-Id header is required (send initialize first)',
        );
      const view = { pathServer: req.params.server as string | undefined, serversHeader: req.get('x-mcp-servers') };
      const { protocolVersion, clientInfo, capabilities } = initialize.params;
      // The record is kept (in Redis, in queue mode) for as long as the session lives: a client may not
      // make it as large as a request body.
      if (JSON.stringify({ clientInfo, capabilities }).length > MAX_SESSION_RECORD_BYTES)
        return sendJsonRpcError(
          res,
          400,
          -32602,
          `initialize: clientInfo and capabilities may take at most ${MAX_SESSION_RECORD_BYTES} bytes`,
        );
      const session = await deps.sessions.open(
        { view, protocolVersion, clientInfo, clientCapabilities: capabilities },
        principalOf(res),
      );
      return serveWithSdk(deps, req, res, session);
    }
    const version = req.get('mcp-protocol-version');
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      return sendJsonRpcError(
        res,
        400,
        -32000,
        `Bad Request: unsupported MCP-Protocol-Version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    const session = await deps.sessions.find(sessionId, principalOf(res));
    if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found: re-initialize');
    // A method name is enough here: this runs on every request of a session, calls included.
    if (req.method === 'POST' && callsOf(req.body, 'initialize') > 0)
      return sendJsonRpcError(res, 400, -32600, 'Invalid Request: this session is already initialized');
    if (req.method === 'DELETE') {
      await deps.sessions.end(sessionId);
      res.status(200).end();
      return;
    }
    if (req.method === 'POST' && toolCalls.tryHandle(req, res, session)) return;
    if (
      req.method === 'GET' &&
      req.get('last-event-id') !== undefined &&
      (await resumeStream(req, res, session, deps.resume))
    )
      return;
    await serveWithSdk(deps, req, res, session);
  };
  router.post(ROUTE_PATHS.mcp, deps.guards.mcpMessage, handle);
  router.get(ROUTE_PATHS.mcp, handle);
  router.delete(ROUTE_PATHS.mcp, handle);
}
