import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SpawnedGateway, SpawnedProcess } from '../helpers/gateway-process.js';
import { connectClient } from '../helpers/mcp-client.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { freePort, spawnRedisServer } from '../helpers/redis-server.js';

// This file runs its own redis-server, since the test stops and restarts it.
let redis: Awaited<ReturnType<typeof spawnRedisServer>>;
let env: Record<string, string>;
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
  env = queueEnv(redis.url);
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

it('keeps MCP sessions across a Redis restart that lost every key: any gateway serves them again', async () => {
  // A second gateway on the same Redis never served the session: only what the first writes back lets it.
  const other = await startQueueGateway(env);
  const clients: Client[] = [
    await connectClient(gateway.url, 'streamable-http'),
    await connectClient(gateway.url, 'sse'),
  ];
  try {
    for (const client of clients)
      expect((await client.callTool({ name: 'echo', arguments: { text: 'before' } })).structuredContent).toEqual({
        text: 'before',
      });
    const sessionId = (clients[0]!.transport as StreamableHTTPClientTransport).sessionId!;
    const port = redis.port;
    const writtenBack = gateway.logs.length;
    await redis.stop();
    redis = await spawnRedisServer(port);
    // The gateway writes back the sessions it holds as soon as its connection is back: the streamable
    // session's record and the legacy one's, each store saying so once.
    for (const until = Date.now() + 20_000; ;) {
      const said = gateway.logs
        .slice(writtenBack)
        .filter((line) => String(line.msg).startsWith('redis is back')).length;
      if (said >= 2) break;
      if (Date.now() > until) throw new Error(`the gateway wrote back ${said} of its two session stores`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // And both gateways see the worker again (its heartbeat is back in the new Redis).
    await Promise.all([gateway, other].map((each) => waitForWorkers(each, 1, 20_000)));
    const onOther = await fetch(new URL('/mcp', other.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'on the other gateway' } },
      }),
    });
    expect(onOther.status).toBe(200);
    expect(await onOther.text()).toContain('on the other gateway');
    for (const client of clients)
      expect((await client.callTool({ name: 'echo', arguments: { text: 'after' } })).structuredContent).toEqual({
        text: 'after',
      });
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await other.stop();
  }
}, 40_000);

it('listens with Redis down at startup, says why it is not ready, and serves once Redis answers', async () => {
  const port = await freePort();
  const lateEnv = queueEnv(`redis://127.0.0.1:${port}`);
  const early = await startQueueGateway(lateEnv);
  let lateRedis: Awaited<ReturnType<typeof spawnRedisServer>> | undefined;
  let lateWorker: SpawnedProcess | undefined;
  try {
    const readiness = await fetch(new URL('/health/readiness', early.url));
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ redis: 'unreachable', reason: expect.stringMatching(/Redis/) });
    // No request answers "Internal error" meanwhile: a new MCP session is a 503 to retry.
    const initialize = await fetch(new URL('/mcp', early.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(initialize.status).toBe(503);
    expect(await initialize.json()).toMatchObject({ error: { code: -32000, message: expect.stringMatching(/Redis/) } });
    expect(early.logs.some((line) => line.msg === 'redis connection lost; reconnecting')).toBe(false);
    expect(early.logs.some((line) => line.msg === 'redis not reachable yet; retrying')).toBe(true);

    lateRedis = await spawnRedisServer(port);
    lateWorker = await startWorker(lateEnv);
    await waitForWorkers(early, 1, 20_000);
    const client = await connectClient(early.url, 'streamable-http');
    try {
      expect((await client.callTool({ name: 'echo', arguments: { text: 'late' } })).structuredContent).toEqual({
        text: 'late',
      });
    } finally {
      await client.close();
    }
  } finally {
    await Promise.all([early.stop('SIGKILL'), lateWorker?.stop('SIGKILL')]);
    await lateRedis?.stop();
  }
}, 60_000);

it('exits on SIGTERM a gateway that never reached Redis, saying why when it gives up', async () => {
  const never = await startQueueGateway(queueEnv(`redis://127.0.0.1:${await freePort()}`));
  // It used to wait for that Redis for ever: `stop` resolves only once the process has exited.
  const code = await never.stop('SIGTERM');
  if (code === 1)
    expect(never.logs.some((line) => line.msg === 'could not close the executor (is Redis down?); exiting')).toBe(true);
  expect(never.child.exitCode ?? never.child.signalCode).not.toBeNull();
}, 30_000);

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
