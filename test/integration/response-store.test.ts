import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedisResponseStore } from '../../src/gateway/openai/response-store.js';
import { queueKeys } from '../../src/shared/queue/redis-keys.js';

const redis = new Redis(inject('redisUrl'));
const keys = queueKeys(`test-responses-${randomUUID().slice(0, 8)}`);
const store = createRedisResponseStore(
  redis,
  { response: keys.response, ownedBy: keys.responsesOf },
  { retentionMs: 60_000, perOwner: 2 },
);

afterAll(() => redis.disconnect());

describe('the Redis response store', () => {
  it('continues a conversation only for its owner, and keeps at most perOwner of each, oldest dropped', async () => {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await store.save('other_1', 'key:other', messages);
    for (const id of ['resp_1', 'resp_2', 'resp_3']) await store.save(id, 'key:owner', messages);
    expect(await store.load('resp_1', 'key:owner')).toBeUndefined();
    expect(await redis.exists(keys.response('resp_1'))).toBe(0);
    expect(await store.load('resp_3', 'key:owner')).toEqual(messages);
    expect(await store.load('resp_3', 'key:other')).toBeUndefined();
    expect(await store.load('other_1', 'key:other')).toEqual(messages);
  });
});
