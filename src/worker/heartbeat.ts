import type { RedisClient } from '../shared/queue/redis-connection.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { startPresence, type Presence, type ProcessBeat } from '../shared/queue/presence.js';
import { WORKER_HEARTBEAT_MS, WORKER_HEARTBEAT_TTL_MS } from '../shared/queue/tool-call-job.js';
import { queueKeys } from '../shared/queue/redis-keys.js';
import type { WorkerBeat, WorkerCounts } from '../shared/queue/worker-beat.js';

/**
 * Announces the worker every second with a key that expires after three: gateways count live workers
 * from these, and fail the calls of a worker whose key expired. Each beat carries the worker's counts,
 * for the gateways' status route and dashboard, and the hash of what it can run.
 */
export function startHeartbeat(
  redis: RedisClient,
  prefix: string,
  workerId: string,
  logger: Logger,
  counts: () => WorkerCounts,
  catalogHash: string,
): Presence {
  const payload = (): Omit<WorkerBeat, keyof ProcessBeat> => ({ workerId, catalog: catalogHash, ...counts() });
  return startPresence({
    redis,
    keys: queueKeys(prefix).workerPresence,
    id: workerId,
    payload,
    everyMs: WORKER_HEARTBEAT_MS,
    ttlMs: WORKER_HEARTBEAT_TTL_MS,
    logger,
  });
}
