import { Cluster, Redis } from 'ioredis';
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

/** A connection to a single Redis or to a Redis Cluster: the commands we use are the same on both. */
export type RedisClient = Redis | Cluster;

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//;

/** Whether `REDIS_URL` names a Redis Cluster (`redis+cluster://host:port,host:port`, or `rediss+cluster://`). */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/**
 * The seed nodes of a cluster URL, and the credentials and TLS its scheme and user part give, as ioredis
 * takes them: `redis+cluster://[user:password@]host:port[,host:port…]`.
 */
export function parseClusterUrl(url: string): {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
} {
  const scheme = CLUSTER_SCHEME.exec(url)?.[1];
  if (scheme === undefined) throw new Error(`not a cluster URL: ${url}`);
  const rest = url.slice(url.indexOf('://') + 3).replace(/\/.*$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : undefined;
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(',').map((hostPort) => {
    const separator = hostPort.lastIndexOf(':');
    const host = separator > 0 ? hostPort.slice(0, separator) : hostPort;
    const port = separator > 0 ? Number(hostPort.slice(separator + 1)) : 6379;
    if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535)
      throw new Error(`REDIS_URL: "${hostPort}" is not host:port`);
    return { host, port };
  });
  const [username, password] =
    auth === undefined
      ? []
      : auth.includes(':')
        ? [auth.slice(0, auth.indexOf(':')), auth.slice(auth.indexOf(':') + 1)]
        : [undefined, auth];
  return {
    nodes,
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    tls: scheme === 'rediss',
  };
}

/**
 * The key prefix as used on the Redis that `url` names. On a cluster it is hash-tagged (`{toolgate}`, as
 * BullMQ requires): every key we and BullMQ write then shares one slot, so multi-key commands and
 * scripts work. A prefix that already has a tag is kept.
 */
export function keyPrefixFor(prefix: string, url: string | undefined): string {
  return url !== undefined && isClusterUrl(url) && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

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
  let lastError: string | undefined;
  redis.on('error', (error: Error) => (lastError = error.message));
  redis.on('reconnecting', () => {
    if (!lost) logger.warn({ role, err: lastError }, 'redis connection lost; reconnecting');
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) logger.info({ role }, 'redis connection restored');
    lost = false;
  });
  return redis;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** Whether an error only says that Redis is unreachable. */
function isConnectionError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|read ECONNRESET/.test(message)
  );
}

/**
 * A listener for a BullMQ Queue's or Worker's `error` events. Without one BullMQ prints them raw to
 * stderr; and it repeats an outage once per retry, which the connection has logged once already.
 */
export function logQueueErrors(logger: Logger, source: 'queue' | 'worker'): (error: Error) => void {
  return (error) => {
    if (isConnectionError(error)) logger.debug({ err: error.message }, `${source} waiting for redis`);
    else logger.warn({ err: error.message }, `${source} error`);
  };
}
