import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { isAlive, processTree } from '../../src/shared/mcp/process-tree.js';
import { ROOT, writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { connectClient } from '../helpers/mcp-client.js';
import { startEverythingServer, type EverythingHttpServer } from '../helpers/everything-server.js';
import { descendantsRunning } from '../helpers/process-commands.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// Queue mode: the workers own the upstream connections; the gateway learns the tools from their
// listings and never starts an upstream server itself.
const FAULT_SERVER = join(ROOT, 'test/fixtures/upstream-fault-server.mjs');
const MAX_CONNECTIONS = 2;
let http: EverythingHttpServer;
let sse: EverythingHttpServer;

const env = queueEnv(inject('redisUrl'));
let gateway: SpawnedGateway;
let workers: SpawnedProcess[];

function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');
}

const upstreamChildrenOf = (pid: number) =>
  descendantsRunning(pid, (command) => command.includes('upstream-fault-server'));

beforeAll(async () => {
  [http, sse] = await Promise.all([startEverythingServer('streamableHttp'), startEverythingServer('sse')]);
  const config = writeTempConfig(`
mcp_servers:
  faulty: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}], max_connections: ${MAX_CONNECTIONS} }
  ev_http: { url: ${http.url}, allowed_tools: [echo] }
  ev_sse: { transport: sse, url: ${sse.url}, allowed_tools: [echo] }
`);
  gateway = await startQueueGateway(env, config);
  workers = await Promise.all([startWorker(env, config), startWorker(env, config)]);
  await waitForWorkers(gateway, 2);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), ...(workers ?? []).map((worker) => worker.stop())]);
  await Promise.all([http?.stop(), sse?.stop()]);
});

it('calls tools of HTTP and SSE upstream servers through the workers', async () => {
  const client = await connectClient(gateway.url, 'streamable-http');
  try {
    const until = Date.now() + 20_000;
    for (;;) {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      if (names.includes('ev_http-echo') && names.includes('ev_sse-echo')) break;
      if (Date.now() > until) throw new Error(`the workers never listed both servers' tools: ${names.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const server of ['ev_http', 'ev_sse'])
      expect(textOf(await client.callTool({ name: `${server}-echo`, arguments: { message: server } }))).toBe(
        `Echo: ${server}`,
      );
  } finally {
    await client.close();
  }
});

it('forwards prompts and resource reads to the workers, which own the connections', async () => {
  const workerPids = workers.map((worker) => String(worker.child.pid));
  const client = await connectClient(gateway.url, 'streamable-http');
  try {
    const until = Date.now() + 20_000;
    while (
      !(await client.listPrompts().catch(() => ({ prompts: [] }))).prompts.some(
        (prompt) => prompt.name === 'faulty-parent_pid',
      )
    ) {
      if (Date.now() > until) throw new Error('the gateway never listed the upstream prompt');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const prompt = await client.getPrompt({ name: 'faulty-parent_pid' });
    expect(workerPids).toContain((prompt.messages[0]?.content as { text: string }).text);
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toContain('fault://parent_pid');
    const read = await client.readResource({ uri: 'fault://parent_pid' });
    expect(workerPids).toContain((read.contents[0] as { text: string }).text);
  } finally {
    await client.close();
  }
});

it('serves upstream tools listed by the workers, runs their calls on both, and keeps within max_connections', async () => {
  const until = Date.now() + 20_000;
  for (;;) {
    const client = await connectClient(gateway.url, 'streamable-http');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    await client.close();
    if (names.includes('faulty-parent_pid')) break;
    if (Date.now() > until)
      throw new Error(`the gateway never listed the workers' upstream tools: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const ranOn = new Set<string>();
  let most = 0;
  const watch = setInterval(() => {
    for (const worker of workers) most = Math.max(most, upstreamChildrenOf(worker.child.pid!).length);
  }, 50);
  try {
    // 100 sessions opened and dropped, 10 calls each: 1,000 calls, ten sessions at a time.
    for (let batch = 0; batch < 10; batch += 1) {
      const clients = await Promise.all(
        Array.from({ length: 10 }, () => connectClient(gateway.url, 'streamable-http')),
      );
      await Promise.all(
        clients.map(async (client) => {
          for (let call = 0; call < 10; call += 1) {
            const result = await client.callTool({
              name: call % 2 ? 'faulty-parent_pid' : 'faulty-wait',
              arguments: call % 2 ? {} : { ms: 20 },
            });
            expect(result.isError).toBeFalsy();
            if (call % 2) ranOn.add(textOf(result));
          }
        }),
      );
      await Promise.all(clients.map((client) => client.close()));
    }
    // Which worker takes a job is BullMQ's race; on two busy cores one may win a whole burst. Keep calling
    // (bounded) until both have run some.
    const client = await connectClient(gateway.url, 'streamable-http');
    for (const until = Date.now() + 10_000; ranOn.size < workers.length && Date.now() < until;) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => client.callTool({ name: 'faulty-parent_pid', arguments: {} })),
      );
      for (const result of results) ranOn.add(textOf(result));
    }
    await client.close();
  } finally {
    clearInterval(watch);
  }
  expect([...ranOn].sort()).toEqual(workers.map((worker) => String(worker.child.pid)).sort());
  expect(most, 'upstream children per worker at most').toBeGreaterThan(0);
  expect(most, 'upstream children per worker at most').toBeLessThanOrEqual(MAX_CONNECTIONS);
  // The gateway started no process of its own.
  expect(processTree(gateway.child.pid!)).toEqual([gateway.child.pid]);

  const children = workers.flatMap((worker) => upstreamChildrenOf(worker.child.pid!));
  await Promise.all(workers.map((worker) => worker.stop()));
  const until2 = Date.now() + 3_000;
  while (children.some(isAlive) && Date.now() < until2) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(children.filter(isAlive)).toEqual([]);
}, 90_000);
