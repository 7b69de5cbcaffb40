import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { createExpiringMap } from '../../shared/expiring-map.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';

/** A stored response's conversation, and the principal (`principalId`) whose request made it. */
interface StoredResponse {
  readonly owner: string;
  readonly messages: ChatCompletionMessageParam[];
}

/**
 * Past responses' conversations, for `previous_response_id`: in this process in embedded mode, in Redis
 * in queue mode (any gateway continues any conversation), each kept for `retentionMs`, and at most
 * `perOwner` of each principal's (its oldest go first). Only the principal whose request made a
 * response may continue it: to anyone else it does not exist.
 */
export interface ResponseStore {
  save(id: string, owner: string, messages: readonly ChatCompletionMessageParam[]): Promise<void>;
  /** The conversation up to and including that response; undefined when unknown, expired or not `owner`'s. */
  load(id: string, owner: string): Promise<ChatCompletionMessageParam[] | undefined>;
  close(): void;
}

export interface ResponseStoreLimits {
  readonly retentionMs: number;
  /** Conversations kept per principal (`max_stored_responses_per_key`). */
  readonly perOwner: number;
}

const ownedBy = (stored: StoredResponse | undefined, owner: string) =>
  stored?.owner === owner ? stored.messages : undefined;

export function createMemoryResponseStore({ retentionMs, perOwner }: ResponseStoreLimits): ResponseStore {
  const responses = createExpiringMap<StoredResponse>(retentionMs);
  /** Each principal's response ids, oldest first. */
  const owned = new Map<string, string[]>();
  return {
    async save(id, owner, messages) {
      responses.set(id, { owner, messages: [...messages] });
      const ids = (owned.get(owner) ?? []).filter((kept) => responses.get(kept) !== undefined);
      ids.push(id);
      for (const evicted of ids.splice(0, Math.max(0, ids.length - perOwner))) responses.delete(evicted);
      owned.set(owner, ids);
    },
    load: async (id, owner) => ownedBy(responses.get(id), owner),
    close: () => responses.close(),
  };
}

/**
 * Adds a response to its principal's set (scored by when it was made), drops what has lapsed, and returns
 * the ids of the oldest beyond the limit, which the caller deletes.
 */
const TRACK_SCRIPT = `
local now, retention, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - retention)
redis.call('PEXPIRE', KEYS[1], retention)
local over = redis.call('ZCARD', KEYS[1]) - limit
if over <= 0 then return {} end
local evicted = redis.call('ZRANGE', KEYS[1], 0, over - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
return evicted`;

export function createRedisResponseStore(
  redis: RedisClient,
  keys: { readonly response: (id: string) => string; readonly ownedBy: (owner: string) => string },
  { retentionMs, perOwner }: ResponseStoreLimits,
): ResponseStore {
  return {
    async save(id, owner, messages) {
      await redis.set(keys.response(id), JSON.stringify({ owner, messages }), 'PX', retentionMs);
      const evicted = (await redis.eval(
        TRACK_SCRIPT,
        1,
        keys.ownedBy(owner),
        Date.now(),
        retentionMs,
        perOwner,
        id,
      )) as string[] | null;
      if (evicted && evicted.length > 0) await redis.del(...evicted.map(keys.response));
    },
    load: async (id, owner) => {
      const value = await redis.get(keys.response(id));
      return value === null ? undefined : ownedBy(JSON.parse(value) as StoredResponse, owner);
    },
    close: () => {},
  };
}
