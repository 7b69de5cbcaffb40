import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ECHO_TOOL, MARK_AFTER_TOOL } from '../helpers/fixture-tools.js';
import { writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { initializeBody, MCP_HEADERS, rawRequest, sseMessages } from '../helpers/http.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// toolgate_settings that shape queue mode, each checked where it acts: the queue, Redis's keys and the
// sessions a second gateway can see.
const MAX_QUEUE_DEPTH = 2;
const SESSION_IDLE_MS = 1_500;
const STREAM_RETENTION_MS = 1_200;
const settingsFor = (sharedSessions: boolean) =>
  writeTempConfig(`
mcp_tools:
${ECHO_TOOL}
${MARK_AFTER_TOOL}
toolgate_settings:
  max_queue_depth: ${MAX_QUEUE_DEPTH}
  session_idle_ms: ${SESSION_IDLE_MS}
  stream_retention_ms: ${STREAM_RETENTION_MS}
  shared_sessions: ${sharedSessions}
`);

const PREFIX = `test-settings-${process.pid}`;
const env = { ...queueEnv(inject('redisUrl'), PREFIX), WORKER_CONCURRENCY: '1' };
const processes: SpawnedProcess[] = [];
let gateway: SpawnedGateway;
let redis: Redis;

beforeAll(async () => {
  const config = settingsFor(true);
  gateway = await startQueueGateway(env, config);
  processes.push(gateway, await startWorker(env, config));
  await waitForWorkers(gateway, 1);
  redis = new Redis(inject('redisUrl'));
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all(processes.map((each) => each.stop()));
});

function callTool(target: SpawnedGateway, name: string, args: Record<string, unknown>): Promise<Response> {
  return fetch(new URL('/mcp/call_tool', target.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, arguments: args }),
  });
}

/** Opens a streamable HTTP session with raw requests; returns its id. */
async function openSession(target: SpawnedGateway): Promise<string> {
  const opened = await rawRequest(`${target.url}/mcp`, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: initializeBody('2025-11-25'),
  });
  expect(opened.status).toBe(200);
  return String(opened.headers['mcp-session-id']);
}

function postInSession(target: SpawnedGateway, sessionId: string, body: object) {
  return rawRequest(`${target.url}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', ...body }),
  });
}

/** Polls readiness (which looks at the queue afresh) until its depth passes `check`. */
async function waitForQueueDepth(check: (depth: number) => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const readiness = (await (await fetch(new URL('/health/readiness', gateway.url))).json()) as { queueDepth: number };
    if (check(readiness.queueDepth)) return;
    if (Date.now() > until) throw new Error(`the queue depth stayed at ${readiness.queueDepth}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls Redis (which touches nothing of the gateway's) until a key is gone. */
async function waitUntilGone(key: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await redis.exists(key)) === 1) {
    if (Date.now() > until) throw new Error(`${key} outlived its expiry`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('max_queue_depth', () => {
  it('refuses calls once that many jobs wait, and queues them again once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-depth-'));
    // The worker holds one job at a time (WORKER_CONCURRENCY 1): the first runs, the next two wait.
    const running = join(dir, 'running');
    const calls = [callTool(gateway, 'mark_after', { marker: running, ms: 1_500 })];
    await waitForMarker(startedMarker(running));
    for (const index of [1, 2]) calls.push(callTool(gateway, 'mark_after', { marker: join(dir, `${index}`), ms: 1 }));
    await waitForQueueDepth((depth) => depth >= MAX_QUEUE_DEPTH);
    const refused = await callTool(gateway, 'echo', { text: 'one too many' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      `The tool queue is full (max_queue_depth ${MAX_QUEUE_DEPTH}); retry shortly`,
    );
    expect((await Promise.all(calls)).map((response) => response.status)).toEqual([200, 200, 200]);
    await waitForQueueDepth((depth) => depth === 0);
    expect((await callTool(gateway, 'echo', { text: 'room again' })).status).toBe(200);
  });
});

describe('session_idle_ms and stream_retention_ms', () => {
  it('let a session lapse after session_idle_ms unused, and its kept stream after stream_retention_ms', async () => {
    const sessionId = await openSession(gateway);
    const prefix = PREFIX;
    const sessionKey = `${prefix}:tg:session:${sessionId}`;
    const sessionTtl = await redis.pttl(sessionKey);
    expect(sessionTtl).toBeGreaterThan(0);
    expect(sessionTtl).toBeLessThanOrEqual(SESSION_IDLE_MS);

    const answered = await postInSession(gateway, sessionId, {
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'kept' } },
    });
    expect(sseMessages(answered.body).at(-1), answered.body).toMatchObject({
      id: 2,
      result: { structuredContent: { text: 'kept' } },
    });
    const streams = await redis.keys(`${prefix}:tg:stream:*`);
    expect(streams.length).toBeGreaterThan(0);
    for (const key of streams) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(STREAM_RETENTION_MS);
    }

    await Promise.all([waitUntilGone(sessionKey), ...streams.map((key) => waitUntilGone(key))]);
    const lapsed = await postInSession(gateway, sessionId, { id: 3, method: 'tools/list' });
    expect(lapsed.status).toBe(404);
  });
});

describe('shared_sessions: false', () => {
  it('keeps sessions in the gateway that opened them: nothing in Redis, unknown to another gateway', async () => {
    const config = settingsFor(false);
    const own = await startQueueGateway(env, config);
    const other = await startQueueGateway(env, config);
    processes.push(own, other);
    const sessionId = await openSession(own);
    expect(await redis.exists(`${PREFIX}:tg:session:${sessionId}`)).toBe(0);
    const listed = await postInSession(own, sessionId, { id: 2, method: 'tools/list' });
    expect(listed.status).toBe(200);
    expect((await postInSession(other, sessionId, { id: 2, method: 'tools/list' })).status).toBe(404);
  });
});
