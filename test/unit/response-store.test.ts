import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryResponseStore, type ResponseStore } from '../../src/gateway/openai/response-store.js';

describe('the response store', () => {
  let store: ResponseStore;
  afterEach(() => store.close());

  it('continues a conversation only for the principal whose request made it', async () => {
    store = createMemoryResponseStore(60_000);
    const messages = [{ role: 'user' as const, content: 'my secret plans' }];
    await store.save('resp_1', 'key:owner', messages);
    expect(await store.load('resp_1', 'key:owner')).toEqual(messages);
    expect(await store.load('resp_1', 'key:someone-else')).toBeUndefined();
    expect(await store.load('resp_1', 'master')).toBeUndefined();
  });
});
