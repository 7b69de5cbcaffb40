import { loadConfig } from '../shared/config/load-config.js';
import type { RuntimeEnv } from '../shared/config/runtime-env.js';
import { createToolPool } from '../shared/execution/tool-pool.js';
import { toolPoolOptions } from '../shared/execution/pool-contract.js';
import { createToolRunner } from '../shared/execution/tool-runner.js';
import { publishListing } from '../shared/queue/upstream-listings.js';
import { startUpstreamDiscovery } from '../shared/upstream/upstream-discovery.js';
import { createUpstreamServers } from '../shared/upstream/upstream-servers.js';
import { createLogger } from '../shared/telemetry/logger.js';
import { createRedisConnection, logQueueErrors } from '../shared/queue/redis-connection.js';
import { CALL_TOOL_QUEUE, UPSTREAM_CALL_QUEUE, type QueueJobData } from '../shared/queue/tool-call-job.js';
import { newInstanceId } from '../shared/instance-id.js';
import { queueKeys } from '../shared/queue/redis-keys.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { announceCatalog } from './catalog.js';
import { startHeartbeat } from './heartbeat.js';
import { createWorkerStats } from './worker-stats.js';
import { IntakeWorker, startJobIntake } from './job-intake.js';
import { createJobProcessor, type ToolCallJobSummary } from './processor.js';
import { createReplySender } from './reply-sender.js';

/**
 * Stall detection: a dead worker's lock expires after 10 s and the check runs every 5 s, so a lost job is
 * found in ~10–15 s (BullMQ's defaults took a minute). One stall is recovered; a second fails the job.
 */
const LOCK_DURATION_MS = 10_000;
const STALLED_INTERVAL_MS = 5_000;
const MAX_STALLED_COUNT = 1;
/** Seconds an idle worker's fetch blocks on Redis: also how long shutdown may wait for it to return. */
const DRAIN_DELAY_SECONDS = 1;
/** What shutdown allows beyond the active jobs' deadlines for replies and BullMQ's bookkeeping. */
const SHUTDOWN_MARGIN_MS = 5_000;

/** Composition root of a worker: config, pool, BullMQ worker, heartbeat, cancellation, signals. */
export async function runWorker(flags: Partial<RuntimeEnv> = {}): Promise<void> {
  const config = loadConfig({ flags });
  const { runtime, settings } = config;
  if (runtime.redisUrl === undefined)
    throw new Error('toolgate worker needs REDIS_URL (for example redis://127.0.0.1:6379)');
  const workerId = newInstanceId();
  const tracing = await startTracing({ name: 'toolgate-worker', instanceId: workerId });
  const logger = createLogger({ level: runtime.logLevel, name: 'toolgate-worker' }).child({ workerId });
  for (const warning of config.warnings) logger.warn(warning);

  const pool = createToolPool(toolPoolOptions(config, logger));
  const commands = createRedisConnection(runtime.redisUrl, 'commands', logger);
  const subscriber = createRedisConnection(runtime.redisUrl, 'subscriber', logger);
  const catalog = await announceCatalog({ config, describe: pool.describe, redis: commands, logger });
  // Workers own the upstream connections; the gateways learn the servers' tools from their listings.
  const upstreams = createUpstreamServers(config.upstreamServers, logger, {
    maxResultBytes: settings.max_result_bytes,
    onListChanged: (server) => discovery.refresh(server),
  });
  const discovery = startUpstreamDiscovery({
    servers: config.upstreamServers,
    list: upstreams.list,
    onListing: (listing) =>
      void publishListing(commands, runtime.queuePrefix, listing).catch((error: unknown) =>
        logger.debug({ err: error }, 'could not publish an upstream listing'),
      ),
    logger,
  });
  const stats = createWorkerStats(pool.load);
  const metricsServer =
    runtime.workerMetricsPort === undefined ? undefined : await stats.serve(runtime.workerMetricsPort, runtime.host);
  const processJob = createJobProcessor({
    runner: createToolRunner({ pool, upstreams }),
    sendReply: createReplySender(commands, runtime.queuePrefix),
    workerId,
    logger,
    stats,
  });
  // Shutdown waits for the latest deadline among the calls running now (plugin-declared tools included),
  // whether or not Redis has heard that the others finished.
  const runningDeadlines = new Map<string, number>();
  const processor: typeof processJob = async (job, token, signal) => {
    runningDeadlines.set(job.id ?? '', job.data.deadline);
    try {
      return await processJob(job, token, signal);
    } finally {
      runningDeadlines.delete(job.id ?? '');
    }
  };
  const redisUrl = runtime.redisUrl;
  // Plugin calls and upstream calls come on queues of their own, each taken while what runs it has room:
  // upstream calls are I/O and never wait behind busy plugin threads.
  const openWorker = (queueName: string) => {
    const worker = new IntakeWorker<QueueJobData, ToolCallJobSummary>(queueName, processor, {
      connection: createRedisConnection(redisUrl, 'blocking', logger),
      prefix: runtime.queuePrefix,
      name: workerId,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
      drainDelay: DRAIN_DELAY_SECONDS,
      // Jobs are taken by the intake, and only once the heartbeat and the cancellation subscription
      // exist: a job started before gateways can see this worker would be failed as "worker lost".
      autorun: false,
    });
    worker.on('error', logQueueErrors(logger, 'worker'));
    worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, err: error.message }, 'job failed'));
    return worker;
  };
  const lanes = [
    { worker: openWorker(CALL_TOOL_QUEUE), room: pool },
    // No upstream servers configured: nothing will come on that queue, so none is watched.
    ...(config.upstreamServers.length > 0 ? [{ worker: openWorker(UPSTREAM_CALL_QUEUE), room: upstreams }] : []),
  ];
  await Promise.all(lanes.map(({ worker }) => worker.waitUntilReady()));

  // Gateways publish the ids of active jobs to cancel; the worker holding one aborts it.
  const { cancel } = queueKeys(runtime.queuePrefix);
  await subscriber.subscribe(cancel);
  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === cancel && lanes.some(({ worker }) => worker.cancelJob(jobId, 'cancelled')))
      logger.info({ jobId }, 'job cancelled');
  });

  const heartbeat = startHeartbeat(commands, runtime.queuePrefix, workerId, logger, stats.snapshot, catalog.hash);
  await heartbeat.announced;
  const intakes = await Promise.all(
    lanes.map(async ({ worker, room }) => {
      await worker.startStalledCheckTimer();
      worker.startLockRenewal();
      return startJobIntake({ worker, room, workerId, maxHeld: runtime.workerConcurrency, logger });
    }),
  );
  logger.info(
    {
      config: config.file,
      catalog: catalog.hash,
      threads: runtime.workerThreads,
      threadConcurrency: settings.thread_concurrency,
      maxHeld: runtime.workerConcurrency,
      pluginsDir: runtime.pluginsDir,
      metricsPort: runtime.workerMetricsPort,
      tracing: tracing !== undefined,
    },
    'toolgate worker ready',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing active jobs, taking no new ones');
    // Jobs end by their deadlines; past this bound (Redis unreachable, say) the process exits and stall
    // handling takes over.
    const bound = setTimeout(
      () => {
        logger.warn('shutdown did not finish in time (jobs still running, or Redis unreachable); exiting');
        process.exit(1);
      },
      Math.max(0, ...[...runningDeadlines.values()].map((deadline) => deadline - Date.now())) +
        settings.cancel_grace_ms +
        SHUTDOWN_MARGIN_MS,
    );
    bound.unref();
    // The heartbeat goes on while jobs finish, so gateways do not take this worker for dead.
    await Promise.all(intakes.map((intake) => intake.stop()));
    await Promise.all(lanes.map(({ worker }) => worker.close()));
    await heartbeat.stop();
    catalog.stop();
    discovery.stop();
    metricsServer?.close();
    await Promise.all([
      pool.close(),
      upstreams.close(),
      subscriber.quit().catch(() => {}),
      commands.quit().catch(() => {}),
      tracing?.shutdown().catch(() => {}),
    ]);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
