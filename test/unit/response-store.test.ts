import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryResponseStore, type ResponseStore } from '../../src/gateway/openai/response-store.js';

describe('the response store', () => {
  let store: ResponseStore;
  afterEach(() => store.close());

  it('continues a conversation only for the principal whose request made it', async () => {
    store = createMemoryResponseStore({ retentionMs: 60_000, perOwner: 10 });
    const messages = [{ role: 'user' as const, content: 'my secret plans' }];
    await store.save('resp_1', 'key:owner', messages);
    expect(await store.load('resp_1', 'key:owner')).toEqual(messages);
    expect(await store.load('resp_1', 'key:someone-else')).toBeUndefined();
    expect(await store.load('resp_1', 'master')).toBeUndefined();
  });

  it('keeps at most perOwner conversations of a principal, dropping its oldest, and none of the others', async () => {
    store = createMemoryResponseStore({ retentionMs: 60_000, perOwner: 2 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await store.save('other_1', 'key:other', messages);
    for (const id of ['resp_1', 'resp_2', 'resp_3']) await store.save(id, 'key:owner', messages);
    expect(await store.load('resp_1', 'key:owner')).toBeUndefined();
    expect(await store.load('resp_2', 'key:owner')).toEqual(messages);
    expect(await store.load('resp_3', 'key:owner')).toEqual(messages);
    expect(await store.load('other_1', 'key:other')).toEqual(messages);
  });
});
