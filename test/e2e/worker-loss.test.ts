import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { SpawnedGateway, SpawnedProcess } from '../helpers/gateway-process.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

const env = queueEnv(inject('redisUrl'));
let gateway: SpawnedGateway;
let workers: SpawnedProcess[] = [];

beforeAll(async () => {
  gateway = await startQueueGateway(env);
  workers = await Promise.all([startWorker(env), startWorker(env)]);
  await waitForWorkers(gateway, 2);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), ...workers.map((worker) => worker.stop('SIGKILL'))]);
});

function runsIn(marker: string): number[] {
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

it('ends every call of a worker killed mid-burst with "worker lost" within 5 s, and runs none twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-loss-'));
  const markers = Array.from({ length: 200 }, (_unused, index) => join(dir, `call-${index}`));
  const calls = markers.map(async (marker) => {
    const response = await fetch(new URL('/mcp/call_tool', gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'record_and_sleep', arguments: { marker, ms: 3_000 } }),
    });
    const result = (await response.json()) as CallToolResult;
    const text = result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    return { text };
  });

  const [victim, survivor] = workers as [SpawnedProcess, SpawnedProcess];
  const victimPid = victim.child.pid!;
  const until = Date.now() + 10_000;
  while (!markers.some((marker) => runsIn(marker).includes(victimPid)) && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await victim.stop('SIGKILL');

  const results = await Promise.all(calls);
  const lost = results.filter((result) => result.text === 'worker lost: the tool may or may not have run');
  const ranOnVictim = markers.filter((marker) => runsIn(marker).includes(victimPid));
  expect(ranOnVictim.length).toBeGreaterThan(0);
  // Every call the victim held (started or only taken) is lost: found by its heartbeat, not left to its
  // deadline (which would answer "timed out").
  expect(lost.length).toBeGreaterThanOrEqual(ranOnVictim.length);
  // The rest ran on the survivor, and nothing ran twice.
  for (const result of results.filter((each) => !lost.includes(each)))
    expect(result.text).toBe(`done by ${survivor.child.pid}`);
  for (const marker of markers) expect(runsIn(marker).length).toBeLessThanOrEqual(1);
  expect(survivor.child.exitCode).toBeNull();
}, 60_000);
