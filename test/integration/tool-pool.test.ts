import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolPool } from '../../src/shared/execution/pool-contract.js';
import { createTestPool, faultCall as call } from '../helpers/tool-pool.js';

let pool: ToolPool;

beforeAll(() => {
  // One thread running one call at a time, so a second call has to wait for the first.
  pool = createTestPool({ threadConcurrency: 1, cancelGraceMs: 2_000 });
});

afterAll(async () => {
  await pool.close();
});

describe('createToolPool', () => {
  it('never starts a handler cancelled while it waited for a thread', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'toolgate-pool-')), 'ran');
    const first = pool.run(call('sleep', { ms: 300 }));
    const cancel = new AbortController();
    const queued = pool.run(call('record_and_sleep', { marker, ms: 0 }), { signal: cancel.signal });
    cancel.abort();
    expect(await queued).toEqual({ ok: false, error: { kind: 'cancelled', message: 'cancelled' } });
    expect((await first).ok).toBe(true);
    // The thread has taken the cancelled task off the queue by the time the next call runs.
    expect(await pool.run(call('echo', { after: true }))).toMatchObject({ ok: true });
    expect(existsSync(marker)).toBe(false);
  });

  it('delivers every event a handler sent before returning, ahead of its result', async () => {
    for (let round = 0; round < 20; round += 1) {
      const progress: number[] = [];
      const outcome = await pool.run(call('progress', { steps: 3, delayMs: 0 }), {
        onEvent: (event) => event.type === 'progress' && progress.push(event.progress),
      });
      expect(outcome.ok).toBe(true);
      expect(progress).toEqual([1, 2, 3]);
    }
  });

  it('does not run a call whose deadline passed while it waited', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'toolgate-pool-')), 'ran');
    const first = pool.run(call('sleep', { ms: 300 }));
    const late = await pool.run(call('record_and_sleep', { marker, ms: 0 }, { timeoutMs: 100 }));
    expect(late).toEqual({ ok: false, error: { kind: 'timeout', message: 'timed out after 100 ms' } });
    await first;
    expect(await pool.run(call('echo', {}))).toMatchObject({ ok: true });
    expect(existsSync(marker)).toBe(false);
  });
});
