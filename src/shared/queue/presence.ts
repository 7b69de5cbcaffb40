import { hostname } from 'node:os';
import type { Logger } from '../telemetry/logger.js';
import type { RedisClient } from './redis-connection.js';

/** Where a kind of process announces itself: a set of ids, and a key per id that expires unless renewed. */
export interface PresenceKeys {
  readonly set: string;
  readonly beat: (id: string) => string;
}

export interface Presence {
  /** Resolves once the first beat has reached Redis (or failed to). */
  readonly announced: Promise<unknown>;
  /** Stops beating and leaves the set at once. */
  stop(): Promise<void>;
}

/** What every beat says of the process that sent it, beside what its kind adds. */
export interface ProcessBeat {
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly beatAt: string;
}

/** This process as its beats describe it: who and since when, fixed now; stamped at each beat. */
export function processBeats(): () => ProcessBeat {
  const since = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  return () => ({ ...since, beatAt: new Date().toISOString() });
}

/**
 * Announces a process every `everyMs` with a key that expires after `ttlMs`: others take it for alive
 * while the key is there. The key holds, as JSON, the process (`ProcessBeat`) and what `payload()` adds.
 * Re-adding the id each time also survives a Redis restart that lost the set.
 */
export function startPresence(options: {
  redis: RedisClient;
  keys: PresenceKeys;
  id: string;
  payload: () => object;
  everyMs: number;
  ttlMs: number;
  logger: Logger;
}): Presence {
  const { redis, keys, id, logger } = options;
  const stamp = processBeats();
  const beatOf = () => JSON.stringify({ ...options.payload(), ...stamp() });
  const beat = () =>
    Promise.all([redis.sadd(keys.set, id), redis.set(keys.beat(id), beatOf(), 'PX', options.ttlMs)]).catch(
      (error: unknown) => logger.debug({ err: error, id }, 'heartbeat failed'),
    );
  const announced = beat();
  const timer = setInterval(() => void beat(), options.everyMs);
  timer.unref();
  return {
    announced,
    async stop() {
      clearInterval(timer);
      await Promise.all([redis.del(keys.beat(id)), redis.srem(keys.set, id)]).catch(() => {});
    },
  };
}

/** The processes alive now (ids and their payloads), dropping from the set those whose key expired. */
export async function readPresence<Payload>(
  redis: RedisClient,
  keys: PresenceKeys,
): Promise<{ ids: string[]; payloads: Payload[] }> {
  const members = await redis.smembers(keys.set);
  const beats = members.length > 0 ? await redis.mget(...members.map(keys.beat)) : [];
  const gone = members.filter((_id, index) => beats[index] === null);
  if (gone.length > 0) await redis.srem(keys.set, ...gone);
  const ids = members.filter((_id, index) => beats[index] !== null);
  // A beat that does not parse still says the process is alive; it only has nothing more to say.
  const payloads = beats.flatMap((beat) => {
    if (beat === null) return [];
    try {
      return [JSON.parse(beat) as Payload];
    } catch {
      return [];
    }
  });
  return { ids, payloads };
}
