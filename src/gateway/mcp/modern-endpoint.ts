import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import {
  classifyInboundRequest,
  createMcpHandler,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  Server,
  type ListToolsResult,
  type LoggingLevel,
  type Notification,
} from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from '../../shared/telemetry/logger.js';
import { callerOf, type Principal } from '../keys/principal.js';
import { viewFor } from '../tools/key-view.js';
import type { ToolView } from '../tools/tool-view.js';
import { pageOf } from './list-paging.js';
import type { McpServerDeps } from './mcp-server.js';
import { MODERN_PROTOCOL_VERSION } from './modern-claim.js';
import { answerSessionToolCall } from './session-tool-call.js';
import { registerModernUpstreamHandlers } from './modern-upstream-handlers.js';
import { createRequestState } from './session-state.js';

/** What one 2026-07-28 request is served with. */
interface ModernRequest {
  /** The tools its path and `x-mcp-servers` name, before its key narrows them. */
  readonly view: ToolView;
  readonly principal: Principal;
  readonly requestId: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * How long a client may keep a `tools/list` answer: the plugin tools change only with a restart, upstream
 * servers' tools whenever a server says so.
 */
const TOOLS_TTL_MS = { localOnly: 60_000, withUpstreams: 5_000 } as const;

export interface ModernEndpoint {
  /** Serves a POST that claims the 2026-07-28 era; false when it is 2025-era traffic after all. */
  serve(req: Request, res: Response, request: Omit<ModernRequest, 'headers'>): Promise<boolean>;
}

/**
 * MCP 2026-07-28 on the streamable HTTP endpoint, served statelessly by the SDK v2 handler: every request
 * carries what a session held (version, client info, capabilities, log level), so any gateway answers any
 * request and nothing is stored. `tools/call` takes the same path as a session's call.
 */
export function createModernEndpoint(deps: McpServerDeps & { readonly logger: Logger }): ModernEndpoint {
  const current = new AsyncLocalStorage<ModernRequest>();
  const serverFor = (): Server => {
    const request = current.getStore();
    if (request === undefined) throw new Error('a 2026-07-28 server was built outside a request');
    const ttlMs = deps.servers.size > 0 ? TOOLS_TTL_MS.withUpstreams : TOOLS_TTL_MS.localOnly;
    // A key sees its own tools: what it is told may be cached for it alone.
    const cacheScope = request.principal.kind === 'virtual' ? 'private' : 'public';
    const view = viewFor(request.principal, request.view);
    const offered = deps.features.capabilities();
    const hint = { ttlMs, cacheScope } as const;
    const server = new Server(
      { name: 'toolgate', version: deps.version },
      {
        capabilities: {
          tools: { listChanged: true },
          ...(offered.resources && { resources: { listChanged: true } }),
          ...(offered.prompts && { prompts: { listChanged: true } }),
          ...(offered.completions && { completions: {} }),
        },
        cacheHints: {
          'tools/list': hint,
          'resources/list': hint,
          'resources/templates/list': hint,
          'prompts/list': hint,
          // What a resource holds is the upstream server's to say: not cached.
          'resources/read': { ttlMs: 0, cacheScope: 'private' },
        },
      },
    );
    registerModernUpstreamHandlers(server, deps, view, offered, request.headers);
    // The same list a session gets; the v2 types spell its JSON Schemas more narrowly than v1's.
    server.setRequestHandler(
      'tools/list',
      (list) => pageOf('tools', view.list(deps.catalog), list.params?.cursor) as ListToolsResult,
    );
    server.setRequestHandler('tools/call', async (call, ctx) => {
      const named = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY];
      const logLevel = typeof named === 'string' ? (named as LoggingLevel) : undefined;
      const state = createRequestState(
        `request:${request.requestId}`,
        view,
        callerOf(request.principal),
        logLevel,
        MODERN_PROTOCOL_VERSION,
      );
      const answered = await answerSessionToolCall(
        deps,
        state,
        {
          id: ctx.mcpReq.id,
          name: call.params.name,
          arguments: call.params.arguments,
          progressToken: call.params._meta?.progressToken,
        },
        {
          send: (notification) => ctx.mcpReq.notify(notification as Notification),
          requestId: request.requestId,
          clientHeaders: request.headers,
          signal: ctx.mcpReq.signal,
        },
      );
      if ('error' in answered) throw new ProtocolError(answered.error.code, answered.error.message);
      if ('cancelled' in answered) throw new ProtocolError(-32800, 'Request cancelled');
      return answered.result;
    });
    return server;
  };
  const handler = createMcpHandler(serverFor, {
    legacy: 'reject',
    onerror: (error) => deps.logger.debug({ err: error }, 'a 2026-07-28 request was refused or failed'),
  });
  // `subscriptions/listen` streams hear of list changes as sessions' streams do: every gateway reads the
  // same listings, so each tells the streams it holds.
  deps.catalog.onChange(() => handler.notify.toolsChanged());
  deps.features.onChange((kind) =>
    kind === 'prompts' ? handler.notify.promptsChanged() : handler.notify.resourcesChanged(),
  );
  const serveNode = toNodeHandler(handler);
  return {
    async serve(req, res, request) {
      const outcome = classifyInboundRequest({
        httpMethod: req.method,
        protocolVersionHeader: req.get('mcp-protocol-version'),
        mcpMethodHeader: req.get('mcp-method'),
        mcpNameHeader: req.get('mcp-name'),
        body: req.body,
      });
      if (outcome.kind === 'legacy') return false;
      await current.run({ ...request, headers: req.headers }, () => serveNode(req, res, req.body));
      return true;
    },
  };
}
