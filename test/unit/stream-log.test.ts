import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStreamLog, type StreamLog } from '../../src/gateway/mcp/stream-log.js';

const progress = (n: number) => ({
  jsonrpc: '2.0' as const,
  method: 'notifications/progress',
  params: { progress: n },
});

describe('the stream log', () => {
  let log: StreamLog;
  afterEach(() => log.close());

  it('gives a resuming client what it missed', async () => {
    log = createMemoryStreamLog(60_000, 1_000);
    const stream = log.open({ sessionId: 's', requestId: 1 });
    const first = stream.append(progress(1), JSON.stringify(progress(1)));
    stream.append(progress(2), JSON.stringify(progress(2)));
    expect((await log.after(first))?.events.map((event) => event.message)).toEqual([progress(2)]);
  });

  it('keeps no more than its budget: a stream whose messages outgrow it cannot be resumed', async () => {
    log = createMemoryStreamLog(60_000, 1_000);
    const stream = log.open({ sessionId: 's', requestId: 1 });
    stream.append(progress(1), JSON.stringify(progress(1)));
    const result = { jsonrpc: '2.0' as const, id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(2_000) }] } };
    stream.append(result, JSON.stringify(result));
    expect(await log.after(stream.primingId)).toBeUndefined();
  });
});
