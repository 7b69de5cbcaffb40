import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { RedisClient } from '../../shared/queue/redis-connection.js';

/**
 * Past responses' conversations, for `previous_response_id`: in this process in embedded mode, in Redis
 * in queue mode (any gateway continues any conversation), each kept for `retentionMs`.
 */
export interface ResponseStore {
  save(id: string, messages: readonly ChatCompletionMessageParam[]): Promise<void>;
  /** The conversation up to and including that response; undefined when it is unknown or expired. */
  load(id: string): Promise<ChatCompletionMessageParam[] | undefined>;
  close(): void;
}

export function createMemoryResponseStore(retentionMs: number): ResponseStore {
  const responses = new Map<string, { messages: ChatCompletionMessageParam[]; expiresAt: number }>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, entry] of responses) if (entry.expiresAt < now) responses.delete(id);
    },
    Math.min(retentionMs, 60_000),
  );
  sweep.unref();
  return {
    save: async (id, messages) => void responses.set(id, { messages: [...messages], expiresAt: Date.now() + retentionMs }),
    load: async (id) => {
      const entry = responses.get(id);
      return entry && entry.expiresAt >= Date.now() ? entry.messages : undefined;
    },
    close: () => clearInterval(sweep),
  };
}

export function createRedisResponseStore(redis: RedisClient, key: (id: string) => string, retentionMs: number): ResponseStore {
  return {
    save: async (id, messages) => void (await redis.set(key(id), JSON.stringify(messages), 'PX', retentionMs)),
    load: async (id) => {
      const value = await redis.get(key(id));
      return value === null ? undefined : (JSON.parse(value) as ChatCompletionMessageParam[]);
    },
    close: () => {},
  };
}
