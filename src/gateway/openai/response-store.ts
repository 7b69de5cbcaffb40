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
 * in queue mode (any gateway continues any conversation), each kept for `retentionMs`. Only the principal
 * whose request made a response may continue it: to anyone else it does not exist.
 */
export interface ResponseStore {
  save(id: string, owner: string, messages: readonly ChatCompletionMessageParam[]): Promise<void>;
  /** The conversation up to and including that response; undefined when unknown, expired or not `owner`'s. */
  load(id: string, owner: string): Promise<ChatCompletionMessageParam[] | undefined>;
  close(): void;
}

const ownedBy = (stored: StoredResponse | undefined, owner: string) =>
  stored?.owner === owner ? stored.messages : undefined;

export function createMemoryResponseStore(retentionMs: number): ResponseStore {
  const responses = createExpiringMap<StoredResponse>(retentionMs);
  return {
    save: async (id, owner, messages) => responses.set(id, { owner, messages: [...messages] }),
    load: async (id, owner) => ownedBy(responses.get(id), owner),
    close: () => responses.close(),
  };
}

export function createRedisResponseStore(
  redis: RedisClient,
  key: (id: string) => string,
  retentionMs: number,
): ResponseStore {
  return {
    save: async (id, owner, messages) =>
      void (await redis.set(key(id), JSON.stringify({ owner, messages }), 'PX', retentionMs)),
    load: async (id, owner) => {
      const value = await redis.get(key(id));
      return value === null ? undefined : ownedBy(JSON.parse(value) as StoredResponse, owner);
    },
    close: () => {},
  };
}
