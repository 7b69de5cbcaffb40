import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { createExpiringMap } from '../../shared/expiring-map.js';
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
  const responses = createExpiringMap<ChatCompletionMessageParam[]>(retentionMs);
  return {
    save: async (id, messages) => responses.set(id, [...messages]),
    load: async (id) => responses.get(id),
    close: () => responses.close(),
  };
}

export function createRedisResponseStore(
  redis: RedisClient,
  key: (id: string) => string,
  retentionMs: number,
): ResponseStore {
  return {
    save: async (id, messages) => void (await redis.set(key(id), JSON.stringify(messages), 'PX', retentionMs)),
    load: async (id) => {
      const value = await redis.get(key(id));
      return value === null ? undefined : (JSON.parse(value) as ChatCompletionMessageParam[]);
    },
    close: () => {},
  };
}
