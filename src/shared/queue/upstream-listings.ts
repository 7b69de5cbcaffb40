import type { RedisClient } from './redis-connection.js';
import type { Logger } from '../telemetry/logger.js';
import type { UpstreamListing } from '../upstream/upstream-discovery.js';
import { UPSTREAM_REFRESH_MS } from '../upstream/upstream-discovery.js';
import { queueKeys } from './redis-keys.js';

/** A listing no worker has refreshed for this long is gone (no worker reaches the server any more). */
const LISTING_TTL_SECONDS = Math.ceil((4 * UPSTREAM_REFRESH_MS) / 1000);
const READ_INTERVAL_MS = 2_000;

/**
 * A worker's side: its latest look at a server, for the gateways (which never connect upstream
 * themselves). Every worker writes the same key; a failed look is written only where no worker has
 * listed the server lately, so one worker that cannot reach it does not hide it from everyone.
 */
export async function publishListing(redis: RedisClient, prefix: string, listing: UpstreamListing): Promise<void> {
  const key = queueKeys(prefix).upstreamListing(listing.server);
  if (listing.inventory === undefined) await redis.set(key, JSON.stringify(listing), 'EX', LISTING_TTL_SECONDS, 'NX');
  else await redis.set(key, JSON.stringify(listing), 'EX', LISTING_TTL_SECONDS);
}

/** A gateway's side: reads the workers' listings every two seconds and passes on those that changed. */
export function startListingReader(options: {
  redis: RedisClient;
  prefix: string;
  servers: readonly string[];
  onListing: (listing: UpstreamListing) => void;
  logger: Logger;
}): { stop(): void } {
  const { redis, servers } = options;
  const keys = servers.map((server) => queueKeys(options.prefix).upstreamListing(server));
  const last = new Map<string, string | null>();
  const read = async () => {
    let values: (string | null)[];
    try {
      values = await redis.mget(...keys);
    } catch (error) {
      options.logger.debug({ err: error }, 'could not read upstream listings');
      return;
    }
    servers.forEach((server, index) => {
      const value = values[index] ?? null;
      if (last.get(server) === value) return;
      last.set(server, value);
      if (value === null) {
        options.onListing({
          server,
          inventory: undefined,
          error: 'no live worker has listed it',
          at: Date.now(),
          latencyMs: undefined,
        });
        return;
      }
      try {
        options.onListing(JSON.parse(value) as UpstreamListing);
      } catch (error) {
        options.logger.warn({ server, err: error }, 'unreadable upstream listing in Redis');
      }
    });
  };
  if (keys.length === 0) return { stop: () => {} };
  void read();
  const timer = setInterval(() => void read(), READ_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
