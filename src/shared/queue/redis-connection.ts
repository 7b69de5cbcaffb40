import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * What a connection is for:
 * - `commands`: shared and auto-pipelined (ioredis batches concurrent commands into one round trip);
 *   a command in flight when Redis goes away fails instead of waiting for it to come back;
 * - `blocking`: BLMPOP and BullMQ workers; waits across reconnects (BullMQ requires
 *   `maxRetriesPerRequest: null` for these);
 * - `subscriber`: pub/sub only.
 */
export type RedisRole = 'commands' | 'blocking' | 'subscriber';

/** Reconnects quickly (at most a second apart): a restarted Redis is back in use within about a second. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 1_000);
}

export function createRedisConnection(url: string, role: RedisRole, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: `toolgate-${role}`,
    enableAutoPipelining: role === 'commands',
    maxRetriesPerRequest: role === 'commands' ? 1 : null,
    retryStrategy: reconnectDelay,
    lazyConnect: false,
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // Reconnection attempts repeat the same error; log each distinct one once.
    if (error.message !== lastError) logger.warn({ role, err: error.message }, 'redis connection error');
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info({ role }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}
