import { toolPoolOptions } from '../../shared/execution/pool-contract.js';
import { createToolPool } from '../../shared/execution/tool-pool.js';
import { createToolRunner } from '../../shared/execution/tool-runner.js';
import { startUpstreamDiscovery } from '../../shared/upstream/upstream-discovery.js';
import { createUpstreamServers } from '../../shared/upstream/upstream-servers.js';
import { createEmbeddedExecutor } from '../executor/embedded-executor.js';
import { createGatewayMetrics } from '../metrics.js';
import { createMemoryResponseStore } from '../openai/response-store.js';
import { createMemoryCallLog } from '../status/call-log.js';
import { createLocalGatewayBeats } from '../status/gateway-beats.js';
import type { GatewayServiceOptions, ModeServices } from './gateway-services.js';
import { createMemorySessions } from './gateway-sessions.js';
import { loadToolSources } from './tool-sources.js';

/** How long startup waits for the upstream servers' first listings before it listens without them. */
const FIRST_LISTING_WAIT_MS = 5_000;

/** Embedded mode: tools run in this process's thread pool and upstream connections; state in memory. */
export async function startEmbeddedServices({
  config,
  logger,
  gatewayId,
  viewFor,
}: GatewayServiceOptions): Promise<ModeServices> {
  const { settings, upstreamServers: servers } = config;
  const upstreams = createUpstreamServers(servers, logger, {
    maxResultBytes: settings.max_result_bytes,
    // Called once a server says its list changed, by when discovery has started.
    onListChanged: (server) => discovery.refresh(server),
  });
  const metrics = createGatewayMetrics({ upstreamConnections: upstreams.openConnections });
  const pool = createToolPool(toolPoolOptions(config, logger, (tool) => metrics.recordAbandonedCall(tool)));
  const sources = await loadToolSources(config, pool.describe, logger).catch(async (error: unknown) => {
    await Promise.all([pool.close(), upstreams.close()]);
    throw error;
  });
  const discovery = startUpstreamDiscovery({ servers, list: upstreams.list, onListing: sources.feed.apply, logger });
  await Promise.race([
    discovery.firstLook,
    new Promise((resolve) => setTimeout(resolve, FIRST_LISTING_WAIT_MS).unref()),
  ]);
  const executor = createEmbeddedExecutor({
    runner: createToolRunner({ pool, upstreams }),
    close: async () => {
      discovery.stop();
      await Promise.all([pool.close(), upstreams.close()]);
    },
    maxQueueDepth: settings.max_queue_depth,
  });
  const sessions = createMemorySessions(config, viewFor, logger);
  const responses = createMemoryResponseStore({
    retentionMs: settings.response_retention_ms,
    perOwner: settings.max_stored_responses_per_key,
  });
  const callLog = createMemoryCallLog();
  return {
    ...sources,
    executor,
    sessions,
    responses,
    keys: undefined,
    keyUsage: undefined,
    callLog,
    metrics,
    queueState: undefined,
    // The gateway's own pool runs the calls: its threads are the ones to show.
    startBeats: (counts) =>
      createLocalGatewayBeats(gatewayId, () => {
        const { threads, busyThreads } = pool.load();
        return { ...counts(), threads, busyThreads };
      }),
  };
}
