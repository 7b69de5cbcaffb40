import express, { type Express, type Request } from 'express';
import type { UpstreamServerConfig } from '../shared/config/mcp-servers.js';
import type { ViewResolver } from './tools/tool-view.js';
import type { Logger } from '../shared/telemetry/logger.js';
import type { ToolgateSettings } from '../shared/config/settings.js';
import { AppError } from '../shared/errors.js';
import type { ToolExecutor } from './executor/tool-executor.js';
import { masterKeyMatcher, requireKey } from './http/auth.js';
import { createDashboardPass, mountDashboardLogin } from './status/dashboard-login.js';
import { createKeyGuards, masterOnly } from './keys/key-guards.js';
import { mountKeyRoutes } from './keys/key-routes.js';
import type { KeyStore } from './keys/key-store.js';
import type { KeyUsage } from './keys/key-usage.js';
import { createChatRecorder } from './openai/chat-accounting.js';
import { cors } from './http/cors.js';
import { errorHandler } from './http/error-handler.js';
import { headOnStreams } from './http/head-on-streams.js';
import { jsonBody } from './http/json-body.js';
import { originGuard } from './http/origin-guard.js';
import { requestId } from './http/request-id.js';
import { traceRequests } from './http/request-trace.js';
import { mountHealthRoutes } from './health-routes.js';
import { mountLegacySseRoutes, openLegacySse } from './mcp/legacy-sse-routes.js';
import type { McpServerDeps } from './mcp/mcp-server.js';
import type { LegacySessions } from './mcp/legacy-sessions.js';
import type { StreamableSessions } from './mcp/streamable-sessions.js';
import type { StreamLog } from './mcp/stream-log.js';
import { mountStreamableRoutes } from './mcp/streamable-routes.js';
import { mountToolRoutes } from './rest/tool-routes.js';
import type { ToolCatalog } from './tools/tool-catalog.js';
import type { UpstreamHealth } from './tools/upstream-feed.js';
import type { UpstreamFeatures } from './tools/upstream-features.js';
import type { ToolInvoker } from './tools/tool-invoker.js';
import type { GatewayMetrics } from './metrics.js';
import type { ModelRouter } from '../shared/llm/model-router.js';
import { mountChatRoutes } from './openai/chat-routes.js';
import type { ResponseStore } from './openai/response-store.js';
import { mountResponsesRoutes } from './openai/responses-routes.js';
import { mountEmbeddingRoutes } from './openai/embedding-routes.js';
import type { StatusReport } from './status/status-report.js';
import { DASHBOARD_PAGES, DASHBOARD_PATHS, mountStatusRoutes } from './status/status-routes.js';

export interface AppDeps {
  readonly logger: Logger;
  readonly settings: ToolgateSettings;
  readonly masterKey: string | undefined;
  /** The address the server binds; loopback turns on the Host check. */
  readonly bindHost: string;
  readonly catalog: ToolCatalog;
  /** Each upstream MCP server's state, for `GET /v1/mcp/server/health`. */
  readonly upstreamHealth: () => readonly UpstreamHealth[];
  readonly upstreamServers: readonly UpstreamServerConfig[];
  /** What a request may see of the catalog: by its path's server or `x-mcp-servers`. */
  readonly viewFor: ViewResolver;
  /** The upstream servers' resources and prompts. */
  readonly upstreamFeatures: UpstreamFeatures;
  readonly invoker: ToolInvoker;
  readonly executor: ToolExecutor;
  readonly sessions: {
    readonly streamable: StreamableSessions;
    readonly legacy: LegacySessions;
    readonly streamLog: StreamLog;
  };
  readonly metrics: GatewayMetrics;
  readonly models: ModelRouter;
  /** Virtual keys (queue mode: they live in Redis); undefined in embedded mode. */
  readonly keys: KeyStore | undefined;
  /** What each virtual key has used; with `keys`. */
  readonly keyUsage: KeyUsage | undefined;
  /** What `GET /v1/status` and the dashboard show. */
  readonly status: () => Promise<StatusReport>;
  /** Responses API conversations, for `previous_response_id`. */
  readonly responses: ResponseStore;
  readonly version: string;
}

/** The gateway's express app, built from its dependencies (no globals, so tests build their own). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId());
  app.use(traceRequests());

  const health = express.Router();
  mountHealthRoutes(health, deps.executor);
  app.use(health);

  app.use(
    originGuard({
      allowedOrigins: deps.settings.allowed_origins,
      allowedHosts: deps.settings.allowed_hosts,
      bindHost: deps.bindHost,
    }),
  );
  app.use(cors());
  if (deps.masterKey !== undefined) {
    const pass = createDashboardPass(deps.masterKey);
    const login = express.Router();
    mountDashboardLogin(login, { pass, isMasterKey: masterKeyMatcher(deps.masterKey) });
    app.use(login);
    app.use(requireKey(deps.masterKey, deps.keys, { paths: DASHBOARD_PATHS, pages: DASHBOARD_PAGES, pass }));
  }
  app.use(headOnStreams());
  app.use(jsonBody({ maxBytes: deps.settings.max_request_bytes }));

  const serverDeps: McpServerDeps = {
    catalog: deps.catalog,
    invoker: deps.invoker,
    logger: deps.logger,
    version: deps.version,
    features: deps.upstreamFeatures,
    executor: deps.executor,
    servers: new Map(deps.upstreamServers.map((server) => [server.name, server])),
    defaultTimeoutMs: deps.settings.tool_timeout_ms,
  };
  const { viewFor } = deps;
  const resolveView = (req: Request) =>
    viewFor({ pathServer: req.params.server as string | undefined, serversHeader: req.get('x-mcp-servers') });
  const guards = createKeyGuards(deps.keys);
  const legacy = { sessions: deps.sessions.legacy, serverDeps, resolveView, guards };
  const routes = express.Router();
  routes.get('/metrics', masterOnly('The metrics (they name every key)'), deps.metrics.handler);
  mountStatusRoutes(routes, { status: deps.status });
  mountKeyRoutes(routes, {
    keys: deps.keys,
    usage: deps.keyUsage,
    masterKeySet: deps.masterKey !== undefined,
    servers: deps.upstreamServers,
    models: deps.models,
    knowsTool: (name) =>
      deps.catalog.get(name) !== undefined ||
      deps.upstreamServers.some(
        (server) =>
          server.prefix !== undefined && name.startsWith(`${server.prefix}${deps.settings.tool_prefix_separator}`),
      ),
  });
  mountToolRoutes(routes, {
    catalog: deps.catalog,
    invoker: deps.invoker,
    upstreamHealth: deps.upstreamHealth,
    viewFor: (serverId) => viewFor({ serversHeader: serverId }),
    guards,
  });
  const recordChat = createChatRecorder(deps.metrics, deps.keyUsage);
  const chat = {
    router: deps.models,
    logger: deps.logger,
    metrics: deps.metrics,
    recordChat,
    catalog: deps.catalog,
    viewFor,
    toolLoop: {
      invoker: deps.invoker,
      logger: deps.logger,
      maxRounds: deps.settings.max_tool_rounds,
      admitInnerCall: guards.admitInnerCall,
    },
    guards,
  };
  mountChatRoutes(routes, chat);
  mountResponsesRoutes(routes, { ...chat, responses: deps.responses });
  mountEmbeddingRoutes(routes, { router: deps.models, logger: deps.logger, metrics: deps.metrics, recordChat, guards });
  mountLegacySseRoutes(routes, legacy);
  mountStreamableRoutes(routes, {
    sessions: deps.sessions.streamable,
    serverDeps,
    logger: deps.logger,
    openLegacySse: openLegacySse(legacy),
    guards,
    resolveView,
    resume: {
      log: deps.sessions.streamLog,
      executor: deps.executor,
      retentionMs: deps.settings.stream_retention_ms,
      logger: deps.logger,
    },
  });
  app.use(routes);

  app.use(() => {
    throw new AppError('not_found', 'Not found');
  });
  app.use(errorHandler({ logger: deps.logger }));
  return app;
}
