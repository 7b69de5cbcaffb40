import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ROOT, startGateway, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { maxOverlap } from '../helpers/tool-pool.js';
import type { RunSpan } from '../fixtures/plugins/faults.js';

const CONFIG = join(ROOT, 'test/fixtures/config.concurrency.yaml');

async function callTool(gateway: SpawnedGateway, name: string, args: Record<string, unknown>): Promise<RunSpan> {
  const response = await fetch(`${gateway.url}/mcp/call_tool`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, arguments: args }),
  });
  const result = (await response.json()) as CallToolResult;
  if (response.status !== 200 || result.isError)
    throw new Error(`${name} failed: ${response.status} ${JSON.stringify(result)}`);
  return result.structuredContent as unknown as RunSpan;
}

const processes: SpawnedProcess[] = [];

afterAll(async () => {
  await Promise.all(processes.map((each) => each.stop()));
});

describe('many calls per thread, end to end', () => {
  it('runs 100 waiting calls at once in an embedded gateway with two threads', async () => {
    const gateway = await startGateway({ config: CONFIG, env: { WORKER_THREADS: '2' } });
    processes.push(gateway);
    // As in queue mode below: each call waits long enough to overlap however slowly they are sent.
    const spans = await Promise.all(Array.from({ length: 100 }, () => callTool(gateway, 'timed_wait', { ms: 1_000 })));
    expect(maxOverlap(spans)).toBeGreaterThanOrEqual(50);
  });

  describe('queue mode', () => {
    const env = queueEnv(inject('redisUrl'));
    let gateway: SpawnedGateway;

    beforeAll(async () => {
      gateway = await startQueueGateway(env, CONFIG);
      processes.push(gateway);
    });

    it('runs 100 waiting calls at once on one worker with two threads', async () => {
      const worker = await startWorker({ ...env, WORKER_THREADS: '2' }, CONFIG);
      processes.push(worker);
      try {
        await waitForWorkers(gateway, 1);
        // Each call waits a second: long enough for 100 to overlap however slowly a loaded machine
        // sends them through the queue.
        const spans = await Promise.all(
          Array.from({ length: 100 }, () => callTool(gateway, 'timed_wait', { ms: 1_000 })),
        );
        expect(maxOverlap(spans)).toBeGreaterThanOrEqual(50);
        expect(new Set(spans.map((span) => span.pid))).toEqual(new Set([worker.child.pid]));
      } finally {
        await worker.stop();
        await waitForWorkers(gateway, 0);
      }
    });

    it('shares a burst of CPU-bound calls between workers, and a worker started mid-burst takes some', async () => {
      const oneThread = { ...env, WORKER_THREADS: '1' };
      const first = await Promise.all([startWorker(oneThread, CONFIG), startWorker(oneThread, CONFIG)]);
      processes.push(...first);
      await waitForWorkers(gateway, 2);
      // Each worker runs one call at a time and takes no more, so the rest of the burst stays queued
      // until the held calls are released: after the third worker is up.
      const release = join(mkdtempSync(join(tmpdir(), 'toolgate-burst-')), 'release');
      const burst = Promise.all(
        Array.from({ length: 40 }, () => callTool(gateway, 'spin_until_released', { release, ms: 50 })),
      );
      const late = await startWorker(oneThread, CONFIG);
      processes.push(late);
      await waitForWorkers(gateway, 3);
      writeFileSync(release, '');
      const spans = await burst;
      const ranBy = (worker: SpawnedProcess) => spans.filter((span) => span.pid === worker.child.pid).length;
      const [a, b] = first.map(ranBy) as [number, number];
      expect(a + b + ranBy(late)).toBe(40);
      expect(a / (a + b)).toBeGreaterThanOrEqual(0.3);
      expect(a / (a + b)).toBeLessThanOrEqual(0.7);
      expect(ranBy(late)).toBeGreaterThan(0);
    });
  });
});
