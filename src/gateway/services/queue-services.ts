import { Queue } from 'bullmq';
import { toolPoolOptions } from '../../shared/execution/pool-contract.js';
import { createToolPool } from '../../shared/execution/tool-pool.js';
import { createRedisConnection, logQueueErrors } from '../../shared/queue/redis-connection.js';
import { queueKeys } from '../../shared/queue/redis-keys.js';
import { CALL_TOOL_QUEUE, UPSTREAM_CALL_QUEUE, type ToolCallJobData } from '../../shared/queue/tool-call-job.js';
import { startListingReader } from '../../shared/queue/upstream-listings.js';
import { targetKey, upstreamTargetKey } from '../../shared/queue/worker-catalog.js';
import { startQueueExecutor } from '../executor/queue-executor.js';
import { createKeyStore } from '../keys/key-store.js';
import { createKeyUsage } from '../keys/key-usage.js';
import { createGatewayMetrics } from '../metrics.js';
import { createRedisResponseStore } from '../openai/response-store.js';
import { createRedisCallLog } from '../status/call-log.js';
import { startGatewayBeats } from '../status/gateway-beats.js';
import type { GatewayServiceOptions, ModeServices } from './gateway-services.js';
import { createMemorySessions, startRedisSessions } from './gateway-sessions.js';
import { loadToolSources } from './tool-sources.js';

/**
 * Queue mode: calls go to workers as BullMQ jobs, and the upstream servers' tools come from the workers'
 * listings in Redis, so the gateway never connects to an upstream server (nor starts a stdio one).
 */
export async function startQueueServices(
  { config, logger, gatewayId, viewFor }: GatewayServiceOptions,
  redisUrl: string,
): Promise<ModeServices> {
  const { settings, runtime, upstreamServers } = config;
  const prefix = runtime.queuePrefix;
  // Workers run the plugins: the gateway reads them once, on one thread, to know their tools.
  const reader = createToolPool({ ...toolPoolOptions(config, logger), threads: 1 });
  const sources = await loadToolSources(config, reader.describe, logger).finally(() => reader.close());
  const redis = createRedisConnection(redisUrl, 'commands', logger);
  const listings = startListingReader({
    redis,
    prefix,
    servers: upstreamServers.map((server) => server.name),
    onListing: sources.feed.apply,
    logger,
  });
  const openQueue = (name: string) => {
    const queue = new Queue<ToolCallJobData>(name, { connection: redis, prefix });
    queue.on('error', logQueueErrors(logger, 'queue'));
    return queue;
  };
  const executor = await startQueueExecutor({
    queues: { plugin: openQueue(CALL_TOOL_QUEUE), upstream: openQueue(UPSTREAM_CALL_QUEUE) },
    redis,
    blockingRedis: createRedisConnection(redisUrl, 'blocking', logger),
    prefix,
    gatewayId,
    maxQueueDepth: settings.max_queue_depth,
    expectedTargets: () => [
      ...sources.catalog.tools
        .filter((tool) => tool.target.kind === 'plugin')
        .map((tool) => ({ name: tool.name, key: targetKey(tool.target) })),
      ...upstreamServers.map((server) => ({ name: `mcp_servers.${server.name}`, key: upstreamTargetKey(server.name) })),
    ],
    logger,
    onClose: () => listings.stop(),
  });
  const metrics = createGatewayMetrics({
    queueGauges: () => ({ queueDepth: executor.queueState.depth, liveWorkers: executor.queueState.liveWorkers.size }),
  });
  const sessions = settings.shared_sessions
    ? await startRedisSessions(config, { commands: redis, url: redisUrl }, viewFor, logger)
    : createMemorySessions(config, viewFor, logger);
  const redisKeys = queueKeys(prefix);
  const responses = createRedisResponseStore(
    redis,
    { response: redisKeys.response, ownedBy: redisKeys.responsesOf },
    { retentionMs: settings.response_retention_ms, perOwner: settings.max_stored_responses_per_key },
  );
  const keys = createKeyStore(redis, prefix);
  const callLog = createRedisCallLog(redis, prefix, logger);
  return {
    ...sources,
    executor,
    sessions,
    responses,
    keys,
    keyUsage: createKeyUsage(keys, metrics, logger),
    callLog,
    metrics,
    queueState: () => executor.queueState,
    startBeats: (counts) => startGatewayBeats(redis, prefix, gatewayId, counts, logger),
  };
}
