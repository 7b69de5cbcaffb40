import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SpawnedGateway, SpawnedProcess } from '../helpers/gateway-process.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { spawnRedisServer } from '../helpers/redis-server.js';

// This file runs its own redis-server, since the test stops and restarts it.
let redis: Awaited<ReturnType<typeof spawnRedisServer>>;
let gateway: SpawnedGateway;
let worker: SpawnedProcess;

function callEcho(text: string): Promise<Response> {
  return fetch(new URL('/mcp/call_tool', gateway.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'echo', arguments: { text } }),
  });
}

beforeAll(async () => {
  redis = await spawnRedisServer();
  const env = queueEnv(redis.url);
  gateway = await startQueueGateway(env);
  worker = await startWorker(env);
  await waitForWorkers(gateway, 1);
});

afterAll(async () => {
  await Promise.all([gateway?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
  await redis?.stop();
});

it('fails calls clearly while Redis is down and serves again once it is back, with no restarts', async () => {
  expect((await callEcho('before')).status).toBe(200);

  const port = redis.port;
  await redis.stop();
  // The gateway notices within a moment; until then a call may still be accepted and time out.
  let down = await callEcho('while down');
  for (const until = Date.now() + 5_000; down.status !== 503 && Date.now() < until;)
    down = await callEcho('while down');
  expect(down.status).toBe(503);
  expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(/Redis is unavailable/);

  redis = await spawnRedisServer(port);
  const until = Date.now() + 20_000;
  let status = 0;
  while (Date.now() < until) {
    const response = await callEcho('after');
    status = response.status;
    if (status === 200) {
      expect(await response.json()).toMatchObject({ structuredContent: { text: 'after' } });
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(status).toBe(200);
  expect(gateway.child.exitCode).toBeNull();
  expect(worker.child.exitCode).toBeNull();

  // Every line either process wrote is JSON, and each connection said once that it lost Redis.
  for (const each of [gateway, worker]) {
    expect(each.logs.filter((line) => 'unparsed' in line)).toEqual([]);
    expect(each.stderr()).toBe('');
    const lost = each.logs.filter((line) => line.msg === 'redis connection lost; reconnecting');
    expect(lost.length).toBeGreaterThan(0);
    expect(new Set(lost.map((line) => line.role)).size).toBe(lost.length);
  }
}, 40_000);

it('exits on SIGTERM while Redis is down, gateway and worker alike, saying how', async () => {
  await redis.stop();
  const started = Date.now();
  const exits = await Promise.all([gateway.stop('SIGTERM'), worker.stop('SIGTERM')]);
  // Within their bounds (5 s to close connections; the worker's running jobs, none here, plus 7 s).
  expect(Date.now() - started).toBeLessThan(20_000);
  // 0 when closing its connections still finished, 1 when the bound cut it short; the log says which.
  const saysHow = (logs: Record<string, unknown>[], code: number | null, cutShort: (msg: string) => boolean) =>
    code === 0
      ? logs.some((line) => line.msg === 'stopped')
      : code === 1 && logs.some((line) => cutShort(String(line.msg)));
  expect(
    saysHow(gateway.logs, exits[0] ?? null, (msg) => msg === 'could not close the executor (is Redis down?); exiting'),
  ).toBe(true);
  expect(saysHow(worker.logs, exits[1] ?? null, (msg) => msg.startsWith('shutdown did not finish in time'))).toBe(true);
}, 30_000);
