import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { loadConfig, type ToolgateConfig } from '../shared/config/load-config.js';
import type { RuntimeEnv } from '../shared/config/runtime-env.js';
import { createToolPool, toolPoolOptions, type ToolPool } from '../shared/execution/tool-pool.js';
import { createToolRunner } from '../shared/execution/tool-runner.js';
import { startListingReader } from '../shared/queue/upstream-listings.js';
import { startUpstreamDiscovery } from '../shared/upstream/upstream-discovery.js';
import { createUpstreamServers } from '../shared/upstream/upstream-servers.js';
import { createUpstreamFeed, type UpstreamFeed } from './tools/upstream-feed.js';
import { createUpstreamFeatures } from './tools/upstream-features.js';
import { createLogger, type Logger } from '../shared/telemetry/logger.js';
import { packageVersion } from '../shared/package-version.js';
import { loadToolRegistry } from '../shared/plugins/tool-registry.js';
import { createRedisConnection, logQueueErrors } from '../shared/queue/redis-connection.js';
import { CALL_TOOL_QUEUE, UPSTREAM_CALL_QUEUE, type ToolCallJobData } from '../shared/queue/tool-call-job.js';
import { newInstanceId } from '../shared/instance-id.js';
import { queueKeys } from '../shared/queue/redis-keys.js';
import { createModelRouter } from '../shared/llm/model-router.js';
import { createApp } from './app.js';
import { isLoopbackHost } from './http/origin-guard.js';
import { createEmbeddedExecutor } from './executor/embedded-executor.js';
import { startQueueExecutor } from './executor/queue-executor.js';
import type { ToolExecutor } from './executor/tool-executor.js';
import type { RedisClient } from '../shared/queue/redis-connection.js';
import { createLegacySessions } from './mcp/legacy-sessions.js';
import { createLocalSessionBus, startRedisSessionBus } from './mcp/session-bus.js';
import { createMemorySessionRecords, createRedisSessionRecords } from './mcp/session-records.js';
import { createStreamableSessions } from './mcp/streamable-sessions.js';
import { createMemoryStreamLog, createRedisStreamLog } from './mcp/stream-log.js';
import { createMemoryResponseStore, createRedisResponseStore } from './openai/response-store.js';
import { createKeyStore } from './keys/key-store.js';
import { createKeyUsage } from './keys/key-usage.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { createMemoryCallLog, createRedisCallLog } from './status/call-log.js';
import { createLocalGatewayBeats, startGatewayBeats } from './status/gateway-beats.js';
import { statusReport } from './status/status-report.js';
import type { QueueState } from './executor/worker-monitor.js';
import { createViewResolver, type ViewResolver } from './tools/tool-view.js';
import { createGatewayMetrics, type QueueGauges } from './metrics.js';
import { createToolCatalog } from './tools/tool-catalog.js';
import { createToolInvoker, type FinishedCall } from './tools/tool-invoker.js';

/** How long shutdown waits for in-flight calls beyond the longest tool deadline. */
const SHUTDOWN_MARGIN_MS = 5_000;

/** How long startup waits for the upstream servers' first listings before it listens without them. */
const FIRST_LISTING_WAIT_MS = 5_000;

/**
 * Embedded mode runs tools in this process (its pool, its upstream connections); queue mode hands them to
 * workers through Redis, and learns the upstream servers' tools from the workers' listings there: the
 * gateway never connects to an upstream server itself, so it never starts a stdio server.
 */
async function createExecutor(
  config: ToolgateConfig,
  pool: ToolPool,
  feed: UpstreamFeed,
  logger: Logger,
  gatewayId: string,
): Promise<{
  executor: ToolExecutor;
  redis?: RedisClient;
  queueState?: () => QueueState;
  upstreamConnections?: () => Record<string, number>;
}> {
  const { redisUrl, queuePrefix } = config.runtime;
  const servers = config.upstreamServers;
  if (redisUrl === undefined) {
    const upstreams = createUpstreamServers(servers, logger, {
      maxResultBytes: config.settings.max_result_bytes,
      onListChanged: (server) => discovery.refresh(server),
    });
    const discovery = startUpstreamDiscovery({ servers, list: upstreams.list, onListing: feed.apply, logger });
    await Promise.race([
      discovery.firstLook,
      new Promise((resolve) => setTimeout(resolve, FIRST_LISTING_WAIT_MS).unref()),
    ]);
    const close = async () => {
      discovery.stop();
      await Promise.all([pool.close(), upstreams.close()]);
    };
    return {
      executor: createEmbeddedExecutor({
        runner: createToolRunner({ pool, upstreams }),
        close,
        maxQueueDepth: config.settings.max_queue_depth,
      }),
      upstreamConnections: upstreams.openConnections,
    };
  }
  // The gateway only enqueues: its pool was needed to read the plugins, not to run them.
  await pool.close();
  const redis = createRedisConnection(redisUrl, 'commands', logger);
  const listings = startListingReader({
    redis,
    prefix: queuePrefix,
    servers: servers.map((server) => server.name),
    onListing: feed.apply,
    logger,
  });
  const openQueue = (name: string) => {
    const queue = new Queue<ToolCallJobData>(name, { connection: redis, prefix: queuePrefix });
    queue.on('error', logQueueErrors(logger, 'queue'));
    return queue;
  };
  const executor = await startQueueExecutor({
    queues: { plugin: openQueue(CALL_TOOL_QUEUE), upstream: openQueue(UPSTREAM_CALL_QUEUE) },
    redis,
    blockingRedis: createRedisConnection(redisUrl, 'blocking', logger),
    prefix: queuePrefix,
    gatewayId,
    maxQueueDepth: config.settings.max_queue_depth,
    logger,
    onClose: () => listings.stop(),
  });
  return { executor, redis, queueState: () => executor.queueState };
}

/**
 * MCP sessions: in this process in embedded mode (or with `shared_sessions: false`); in Redis in queue
 * mode, so that any gateway serves any streamable HTTP session and passes legacy SSE messages to the
 * gateway holding the stream.
 */
async function createSessions(
  config: ToolgateConfig,
  redis: RedisClient | undefined,
  resolveView: ViewResolver,
  logger: Logger,
) {
  const idleMs = config.settings.session_idle_ms;
  const { redisUrl, queuePrefix } = config.runtime;
  if (redis === undefined || redisUrl === undefined || !config.settings.shared_sessions) {
    const bus = createLocalSessionBus();
    return {
      streamable: createStreamableSessions({ records: createMemorySessionRecords(idleMs), bus, resolveView }),
      legacy: createLegacySessions({ records: createMemorySessionRecords(idleMs), bus, logger }),
      streamLog: createMemoryStreamLog(config.settings.stream_retention_ms),
    };
  }
  const keys = queueKeys(queuePrefix);
  const bus = await startRedisSessionBus({
    redis,
    subscriber: createRedisConnection(redisUrl, 'subscriber', logger),
    channel: keys.sessionBus,
    logger,
  });
  return {
    streamable: createStreamableSessions({
      records: createRedisSessionRecords(redis, keys.session, idleMs),
      bus,
      resolveView,
    }),
    legacy: createLegacySessions({
      records: createRedisSessionRecords(redis, keys.legacySession, idleMs),
      bus,
      logger,
    }),
    streamLog: createRedisStreamLog(redis, keys.stream, config.settings.stream_retention_ms, logger),
  };
}

/** Resolves once the executor cannot deliver results any more (Redis lost): waiting for calls is moot. */
function untilResultsUndeliverable(executor: ToolExecutor, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (executor.canDeliverResults()) return;
      clearInterval(check);
      logger.warn('Redis is unreachable: calls in flight cannot get their results; not waiting for them');
      resolve();
    }, 250);
    check.unref();
  });
}

/** Composition root of the gateway: config, logger, executor, app, listen, signals. */
export async function runGateway(flags: Partial<RuntimeEnv> = {}): Promise<void> {
  const config = loadConfig({ flags });
  const { runtime, settings } = config;
  const gatewayId = newInstanceId();
  const tracing = await startTracing({ name: 'toolgate-gateway', instanceId: gatewayId });
  const logger = createLogger({ level: runtime.logLevel, name: 'toolgate-gateway' });
  for (const warning of config.warnings) logger.warn(warning);

  // Calls run in this pool only in embedded mode, and are counted then; `metrics` exists by the first call.
  const pool = createToolPool(toolPoolOptions(config, logger, (tool) => metrics.recordAbandonedCall(tool)));
  let catalog;
  try {
    catalog = createToolCatalog(await loadToolRegistry({ config, describe: pool.describe }), {
      onProblem: (message) => logger.warn(message),
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  const models = createModelRouter(config.models, config.env, config.routing);
  for (const warning of models.warnings) logger.warn(warning);
  const upstreamFeatures = createUpstreamFeatures(config.upstreamServers, {
    separator: settings.tool_prefix_separator,
  });
  const feed = createUpstreamFeed({
    catalog,
    features: upstreamFeatures,
    servers: config.upstreamServers,
    separator: settings.tool_prefix_separator,
    defaultTimeoutMs: settings.tool_timeout_ms,
    logger,
  });
  const { executor, redis, queueState, upstreamConnections } = await createExecutor(
    config,
    pool,
    feed,
    logger,
    gatewayId,
  );
  const queueGauges =
    queueState && ((): QueueGauges => ({ queueDepth: queueState().depth, liveWorkers: queueState().liveWorkers.size }));
  const metrics = createGatewayMetrics({ queueGauges, upstreamConnections });
  // One resolver for the whole gateway: it makes each view once, and sessions and routes share them.
  const viewFor = createViewResolver(config.upstreamServers);
  const sessions = await createSessions(config, redis, viewFor, logger);
  const responses =
    redis === undefined
      ? createMemoryResponseStore(settings.response_retention_ms)
      : createRedisResponseStore(redis, queueKeys(runtime.queuePrefix).response, settings.response_retention_ms);
  // The servers through which sessions hear of changes: legacy streams, and streamable GET streams held
  // here (every gateway reads the same listings, so each tells the streams it holds).
  const notifiable = () => [
    ...sessions.legacy.all().map((session) => session.server),
    ...sessions.streamable.streams(),
  ];
  // Clients that follow the list (it changes as upstream servers come and go) hear of every change.
  catalog.onChange(() => {
    for (const server of notifiable()) server.sendToolListChanged().catch(() => {});
  });
  upstreamFeatures.onChange((kind) => {
    // The SDK refuses (rejects) the notification on sessions that did not declare the kind: it was not
    // offered when they opened.
    for (const server of notifiable())
      (kind === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged()).catch(() => {});
  });
  const keys = redis === undefined ? undefined : createKeyStore(redis, runtime.queuePrefix);
  const keyUsage = keys && createKeyUsage(keys, metrics, logger);
  const callLog = redis === undefined ? createMemoryCallLog() : createRedisCallLog(redis, runtime.queuePrefix, logger);
  const onCallFinished = (call: FinishedCall) => {
    metrics.recordToolCall(call.tool, call.outcome, call.seconds, call.server);
    callLog.record(call);
    if (call.caller) keyUsage?.recordToolCall(call.caller, call.tool, call.outcome);
  };
  const invoker = createToolInvoker({
    catalog,
    executor,
    logger,
    upstreamServers: config.upstreamServers,
    onCallFinished,
  });
  // In embedded mode the gateway's own pool runs the calls: its threads are the ones to show.
  const poolThreads = () => {
    const { threads, busyThreads } = pool.load();
    return { threads, busyThreads };
  };
  const counts = () => ({ inFlight: invoker.running, ...(redis === undefined && poolThreads()) });
  const gateways =
    redis === undefined
      ? createLocalGatewayBeats(gatewayId, counts)
      : startGatewayBeats(redis, runtime.queuePrefix, gatewayId, counts, logger);
  const status = () =>
    statusReport({
      mode: executor.mode,
      version: packageVersion,
      gatewayId,
      gateways,
      queueState,
      calls: callLog,
      upstreamHealth: feed.health,
    });
  const app = createApp({
    status,
    viewFor,
    logger,
    settings,
    masterKey: config.masterKey,
    bindHost: runtime.host,
    catalog,
    upstreamHealth: feed.health,
    upstreamServers: config.upstreamServers,
    upstreamFeatures,
    invoker,
    executor,
    sessions,
    metrics,
    models,
    keys,
    keyUsage,
    responses,
    version: packageVersion,
  });

  const server = createServer(
    {
      // A client sending its request slowly (or declaring more than it sends) is cut off with a 408;
      // checked every second rather than Node's default 30.
      requestTimeout: settings.request_body_timeout_ms,
      headersTimeout: Math.min(settings.request_body_timeout_ms, 60_000),
      connectionsCheckingInterval: 1_000,
    },
    app,
  ).listen(runtime.port, runtime.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    {
      url: `http://${host}:${address.port}`,
      mode: executor.mode,
      config: config.file,
      tools: catalog.tools.map((tool) => tool.name),
      models: models.modelNames,
      auth: config.masterKeySource ?? 'off',
      tracing: tracing !== undefined,
    },
    'toolgate gateway listening',
  );
  if (config.masterKey === undefined && !isLoopbackHost(runtime.host)) {
    logger.warn(
      { host: runtime.host },
      'NO AUTH: this gateway listens beyond loopback without a master key; anyone who can reach it can call every tool and model. Set general_settings.master_key or LITELLM_MASTER_KEY',
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight calls');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const bound =
      Math.max(settings.tool_timeout_ms, ...catalog.tools.map((tool) => tool.timeoutMs)) + SHUTDOWN_MARGIN_MS;
    await Promise.race([invoker.drain(bound), untilResultsUndeliverable(executor, logger)]);
    // Sessions' SSE streams never end by themselves and would keep the server open; chat requests and
    // streams still in flight finish on their own, within the bound.
    sessions.streamLog.close();
    responses.close();
    callLog.close();
    await gateways.stop();
    await Promise.all([sessions.legacy.close(), sessions.streamable.close()]);
    const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_MARGIN_MS);
    await closed;
    clearTimeout(forced);
    // Closing Redis connections waits for Redis; one that is down must not hold the process.
    const gaveUp = setTimeout(() => {
      logger.warn('could not close the executor (is Redis down?); exiting');
      process.exit(1);
    }, SHUTDOWN_MARGIN_MS);
    await executor.close();
    clearTimeout(gaveUp);
    await tracing?.shutdown().catch(() => {});
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
