import type { RedisClient } from '../shared/queue/redis-connection.js';
import type { Logger } from '../shared/logger.js';
import { queueKeys, WORKER_HEARTBEAT_MS, WORKER_HEARTBEAT_TTL_MS } from '../shared/queue/tool-call-job.js';

export interface Heartbeat {
  /** Resolves once the first beat has reached Redis (or failed to). */
  readonly announced: Promise<unknown>;
  /** Stops beating and removes this worker from the live set at once. */
  stop(): Promise<void>;
}

/**
 * Announces the worker every second with a key that expires after three: gateways count live workers
 * from these, and fail the calls of a worker whose key expired. Re-announcing each time also survives a
 * Redis restart that lost the set.
 */
export function startHeartbeat(redis: RedisClient, prefix: string, workerId: string, logger: Logger): Heartbeat {
  const keys = queueKeys(prefix);
  const info = JSON.stringify({ workerId, pid: process.pid, startedAt: new Date().toISOString() });
  const beat = () =>
    Promise.all([redis.sadd(keys.workers, workerId), redis.set(keys.heartbeat(workerId), info, 'PX', WORKER_HEARTBEAT_TTL_MS)]).catch((error: unknown) =>
      logger.debug({ err: error }, 'heartbeat failed'),
    );
  const announced = beat();
  const timer = setInterval(() => void beat(), WORKER_HEARTBEAT_MS);
  return {
    announced,
    async stop() {
      clearInterval(timer);
      await Promise.all([redis.del(keys.heartbeat(workerId)), redis.srem(keys.workers, workerId)]).catch(() => {});
    },
  };
}
