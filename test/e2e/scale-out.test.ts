import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAlternatingBalancer, type AlternatingBalancer } from '../helpers/alternating-balancer.js';
import { ROOT, writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';
import { connectClient } from '../helpers/mcp-client.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { spawnRedisCluster, type TestRedis } from '../helpers/redis-server.js';
import { ECHO_TOOL } from '../helpers/fixture-tools.js';

// Two gateways and two workers behind a balancer that sends each request to the other gateway: sessions
// are shared through Redis, so no request needs to land where the session began.
const FAULT_SERVER = join(ROOT, 'test/fixtures/upstream-fault-server.mjs');
const CONFIG = writeTempConfig(`
mcp_tools:
${ECHO_TOOL}
  - name: progress
    description: Reports progress
    input_schema: { type: object, properties: { steps: { type: integer }, delayMs: { type: integer } } }
    handler: faults.progress
  - name: log_messages
    description: Logs at debug, info and error
    input_schema: { type: object }
    handler: faults.log_messages
  - name: wait_for_abort
    description: Waits until aborted
    input_schema: { type: object, properties: { marker: { type: string } }, required: [marker] }
    handler: faults.wait_for_abort
    timeout_ms: 20000
mcp_servers:
  changing: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}, one-connection], max_connections: 1 }
`);

function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !check();) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each([
  ['a single Redis', async (): Promise<TestRedis> => ({ url: inject('redisUrl'), stop: async () => {} })],
  ['a three-node Redis Cluster', () => spawnRedisCluster(3)],
])('two gateways and two workers on %s', (_name, startRedis) => {
  let redis: TestRedis;
  let gateways: SpawnedGateway[];
  let workers: SpawnedProcess[];
  let balancer: AlternatingBalancer;

  beforeAll(async () => {
    redis = await startRedis();
    const env = queueEnv(redis.url);
    gateways = await Promise.all([startQueueGateway(env, CONFIG), startQueueGateway(env, CONFIG)]);
    workers = await Promise.all([startWorker(env, CONFIG), startWorker(env, CONFIG)]);
    await Promise.all(gateways.map((gateway) => waitForWorkers(gateway, 2)));
    balancer = await startAlternatingBalancer(gateways.map((gateway) => gateway.url));
  });

  afterAll(async () => {
    await balancer?.stop();
    await Promise.all([
      ...(gateways ?? []).map((gateway) => gateway.stop()),
      ...(workers ?? []).map((worker) => worker.stop()),
    ]);
    await redis?.stop();
  });

  describe('streamable HTTP through alternating gateways', () => {
    let client: Client;

    beforeAll(async () => {
      client = await connectClient(balancer.url, 'streamable-http');
    });

    afterAll(async () => {
      await client?.close();
    });

    it('initializes, lists and calls, with requests landing on both gateways', async () => {
      const before = [...balancer.counts];
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['echo', 'progress', 'log_messages']),
      );
      for (let call = 0; call < 4; call += 1) {
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: `hello ${call}` } }))).toContain(
          `hello ${call}`,
        );
      }
      expect(balancer.counts.map((count, index) => count - (before[index] ?? 0)).every((count) => count >= 2)).toBe(
        true,
      );
    });

    it('relays progress, whichever gateway takes the call', async () => {
      for (let call = 0; call < 2; call += 1) {
        const updates: Progress[] = [];
        await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 150 } }, undefined, {
          onprogress: (update) => updates.push(update),
        });
        expect(updates.map((update) => update.progress)).toEqual([1, 2, 3]);
      }
    });

    it('keeps the log level set through one gateway for calls answered by the other', async () => {
      const logs: LoggingMessageNotification['params'][] = [];
      client.setNotificationHandler(
        LoggingMessageNotificationSchema,
        (notification) => void logs.push(notification.params),
      );
      await client.setLoggingLevel('info');
      // Two calls: one of them lands on the gateway that did not take the setLevel.
      for (let call = 0; call < 2; call += 1) await client.callTool({ name: 'log_messages', arguments: {} });
      await waitFor(() => logs.length >= 4, 'four log notifications');
      expect(logs.map((log) => log.level)).toEqual(['info', 'error', 'info', 'error']);
    });

    it('delivers a cancellation to the call, whichever gateway runs it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'toolgate-scale-'));
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const marker = join(dir, `aborted-${attempt}`);
        const controller = new AbortController();
        const call = client
          .callTool({ name: 'wait_for_abort', arguments: { marker } }, undefined, { signal: controller.signal })
          .catch((error: unknown) => error);
        await waitForMarker(startedMarker(marker));
        controller.abort();
        await call;
        await waitFor(
          () => existsSync(marker) && readFileSync(marker, 'utf8').startsWith('aborted'),
          `the handler to see cancellation ${attempt}`,
        );
      }
    });

    it('tells a session of a list change, whichever gateway holds its GET stream', async () => {
      // Each gateway reads the workers' listings on its own: wait until both have this server's tools.
      const lists = async (gateway: SpawnedGateway) => {
        const listed = (await (await fetch(`${gateway.url}/mcp/list_tools`)).json()) as { tools: { name: string }[] };
        return listed.tools.some((tool) => tool.name === 'changing-add_tool');
      };
      const until = Date.now() + 20_000;
      while (!(await Promise.all(gateways.map(lists))).every(Boolean)) {
        if (Date.now() > until) throw new Error('the workers never listed the upstream server');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // Heard only through the session's GET stream, which the SDK client opened after initializing.
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));
      expect(textOf(await client.callTool({ name: 'changing-add_tool', arguments: { name: 'fresh' } }))).toBe(
        'added fresh',
      );
      await waitFor(() => changed > 0, 'notifications/tools/list_changed', 15_000);
    });

    it('deletes the session on every gateway', async () => {
      const other = await connectClient(balancer.url, 'streamable-http');
      const transport = other.transport as StreamableHTTPClientTransport;
      const sessionId = transport.sessionId!;
      await transport.terminateSession();
      const init = {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      };
      for (const gateway of gateways) expect((await fetch(`${gateway.url}/mcp`, init)).status).toBe(404);
      await other.close();
    });
  });

  describe('legacy SSE through alternating gateways', () => {
    it('calls with progress while the stream is on one gateway and the posts alternate', async () => {
      const client = await connectClient(balancer.url, 'sse');
      try {
        for (let call = 0; call < 3; call += 1) {
          const updates: Progress[] = [];
          const result = await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 150 } }, undefined, {
            onprogress: (update) => updates.push(update),
          });
          expect(textOf(result)).toBe('done in 3 steps');
          // The last update leaves the worker with the result; a proxy that reads both in one go hands them
          // to the SDK's legacy client together, and it drops a notification read with its response. The
          // ones before it cross the queue, the bus and both gateways one by one.
          expect(updates.map((update) => update.progress).slice(0, 2)).toEqual([1, 2]);
        }
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'legacy' } }))).toContain('legacy');
      } finally {
        await client.close();
      }
    });
  });

  describe('a call whose stream is lost', () => {
    it('resumes with Last-Event-ID on the other gateway and gets the result', async () => {
      const client = await connectClient(balancer.url, 'streamable-http');
      try {
        // Cut the client's POST stream mid-call at the balancer: the SDK client reconnects with the last
        // event id it saw, and the balancer sends that GET to the other gateway.
        const updates: Progress[] = [];
        const result = client.callTool({ name: 'progress', arguments: { steps: 6, delayMs: 150 } }, undefined, {
          onprogress: (update) => updates.push(update),
        });
        await waitFor(() => updates.length >= 1, 'the first progress update');
        balancer.dropStreams();
        expect(textOf(await result)).toBe('done in 6 steps');
        expect(balancer.resumed()).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    });

    it('gets the result of a call whose gateway was killed with -9 mid-call', async () => {
      const client = await connectClient(balancer.url, 'streamable-http');
      let firstProgress: () => void = () => {};
      const progressed = new Promise<void>((resolve) => (firstProgress = resolve));
      const result = client.callTool({ name: 'progress', arguments: { steps: 10, delayMs: 300 } }, undefined, {
        onprogress: () => firstProgress(),
        timeout: 30_000,
      });
      // The call is under way on the gateway holding its stream once its first progress has come through.
      await progressed;
      // The gateway holding the POST stream: the one the balancer sent the last POST to.
      const holderIndex = balancer.lastPostBackend();
      await gateways[holderIndex]!.stop('SIGKILL');
      expect(textOf(await result)).toBe('done in 10 steps');
      // The other gateway sent it, from the worker's reply to the dead one.
      await gateways[1 - holderIndex]!.waitForLog(
        (line) => line.msg === 'answering a resumed call whose gateway did not',
        5_000,
      );
      await client.close().catch(() => {});
    });
  });
});
