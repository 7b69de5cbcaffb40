import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../telemetry/logger.js';
import { isClusterUrl, parseClusterUrl } from '../config/redis-url.js';
import { isRedisUnreachable } from './redis-unreachable.js';

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

/** A connection to a single Redis or to a Redis Cluster: the commands we use are the same on both. */
export type RedisClient = Redis | Cluster;

export function createRedisConnection(url: string, role: RedisRole, logger: Logger): RedisClient {
  const options = {
    connectionName: `toolgate-${role}`,
    enableAutoPipelining: role === 'commands',
    maxRetriesPerRequest: role === 'commands' ? 1 : null,
    lazyConnect: false,
  };
  let redis: RedisClient;
  if (isClusterUrl(url)) {
    const { nodes, username, password, tls } = parseClusterUrl(url);
    redis = new Cluster(nodes, {
      enableAutoPipelining: options.enableAutoPipelining,
      clusterRetryStrategy: reconnectDelay,
      lazyConnect: false,
      redisOptions: {
        connectionName: options.connectionName,
        maxRetriesPerRequest: options.maxRetriesPerRequest,
        username,
        password,
        ...(tls && { tls: {} }),
      },
    });
  } else {
    redis = new Redis(url, { ...options, retryStrategy: reconnectDelay });
  }
  // Every reconnection attempt fails again while Redis is away: say so once when it goes, once when back.
  // `reconnecting` comes whether or not the loss raised an error (a closed socket raises none).
  let lost = false;
  let everReady = false;
  let lastError: string | undefined;
  redis.on('error', (error: Error) => (lastError = error.message));
  redis.on('reconnecting', () => {
    if (!lost)
      logger.warn(
        { role, err: lastError },
        everReady ? 'redis connection lost; reconnecting' : 'redis not reachable yet; retrying',
      );
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) logger.info({ role }, everReady ? 'redis connection restored' : 'redis connected');
    lost = false;
    everReady = true;
  });
  return redis;
}

/**
 * A listener for a BullMQ Queue's or Worker's `error` events. Without one BullMQ prints them raw to
 * stderr; and it repeats an outage once per retry, which the connection has logged once already.
 */
export function logQueueErrors(logger: Logger, source: 'queue' | 'worker'): (error: Error) => void {
  return (error) => {
    if (isRedisUnreachable(error)) logger.debug({ err: error.message }, `${source} waiting for redis`);
    else logger.warn({ err: error.message }, `${source} error`);
  };
}
