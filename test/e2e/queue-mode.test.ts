import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { startedMarker, waitForMarker, writtenMarker } from '../helpers/markers.js';
import { connectClient } from '../helpers/mcp-client.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function newMarker(): string {
  return join(mkdtempSync(join(tmpdir(), 'toolgate-queue-')), 'runs');
}

function runsIn(marker: string): number[] {
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

const env = queueEnv(inject('redisUrl'));
let gateway: SpawnedGateway;
let workers: SpawnedProcess[] = [];
let client: Client;

/** Replaces a worker that a test stopped, so every test starts with two. */
async function restoreWorkers(): Promise<void> {
  workers = workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
  while (workers.length < 2) workers.push(await startWorker(env));
  await waitForWorkers(gateway, 2, 15_000);
}

function workerByPid(pid: number): SpawnedProcess {
  const worker = workers.find((candidate) => candidate.child.pid === pid);
  if (!worker) throw new Error(`no worker with pid ${pid}`);
  return worker;
}

beforeAll(async () => {
  gateway = await startQueueGateway(env);
  await restoreWorkers();
  client = await connectClient(gateway.url, 'streamable-http');
});

afterAll(async () => {
  await client?.close();
  await Promise.all([gateway?.stop(), ...workers.map((worker) => worker.stop())]);
});

describe('queue mode', () => {
  it('runs calls on both workers with correct results under 32 concurrent clients', async () => {
    const clients = await Promise.all(Array.from({ length: 32 }, () => connectClient(gateway.url, 'streamable-http')));
    try {
      const pids = new Set<number>();
      await Promise.all(
        clients.map(async (each, index) => {
          for (let round = 0; round < 4; round += 1) {
            const text = `client ${index} round ${round}`;
            const echoed = await each.callTool({ name: 'echo', arguments: { text } });
            expect(echoed.structuredContent).toEqual({ text });
            pids.add(
              ((await each.callTool({ name: 'whoami', arguments: {} })).structuredContent as { pid: number }).pid,
            );
          }
        }),
      );
      expect([...pids].sort()).toEqual(workers.map((worker) => worker.child.pid).sort());
    } finally {
      await Promise.all(clients.map((each) => each.close()));
    }
  });

  it('delivers progress notifications from a worker', async () => {
    const updates: Progress[] = [];
    const result = await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 150 } }, undefined, {
      onprogress: (update) => updates.push(update),
    });
    expect(textOf(result)).toBe('done in 3 steps');
    expect(updates.map((update) => update.progress)).toEqual([1, 2, 3]);
  });

  it('cancels a call on whichever worker runs it', async () => {
    const marker = newMarker();
    const controller = new AbortController();
    const call = client.callTool({ name: 'wait_for_abort', arguments: { marker } }, undefined, {
      signal: controller.signal,
    });
    await waitForMarker(startedMarker(marker));
    controller.abort('no longer needed');
    await expect(call).rejects.toThrow();
    await waitFor(() => writtenMarker(marker) !== undefined, 5_000, 'the handler to see its abort');
    expect(readFileSync(marker, 'utf8')).toBe('aborted: cancelled');
  });

  it('times out a hanging tool at its deadline', async () => {
    const result = await client.callTool({ name: 'hang', arguments: {} });
    expect(textOf(result)).toBe('timed out after 1000 ms');
  });

  it('keeps the worker process up when a plugin exhausts its heap', async () => {
    const result = await client.callTool({ name: 'exhaust_memory', arguments: {} });
    expect(textOf(result)).toMatch(/^tool crashed: out of memory/);
    expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
    const after = await client.callTool({ name: 'echo', arguments: { text: 'after oom' } });
    expect(after.structuredContent).toEqual({ text: 'after oom' });
  });

  it('finishes an active call when its worker gets SIGTERM, then the worker exits', async () => {
    const marker = newMarker();
    const call = client.callTool({ name: 'record_and_sleep', arguments: { marker, ms: 1500 } });
    await waitFor(() => runsIn(marker).length === 1, 10_000, 'the call to start');
    const [pid] = runsIn(marker);
    const exitCode = workerByPid(pid!).stop('SIGTERM');
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(`done by ${pid}`);
    expect(await exitCode).toBe(0);
    await restoreWorkers();
  });

  it('reruns an idempotent tool on another worker when its worker is killed', async () => {
    const marker = newMarker();
    const call = client.callTool({ name: 'record_and_sleep_idempotent', arguments: { marker, ms: 1000 } }, undefined, {
      timeout: 60_000,
    });
    await waitFor(() => runsIn(marker).length === 1, 10_000, 'the call to start');
    const [killed] = runsIn(marker);
    await workerByPid(killed!).stop('SIGKILL');
    const result = await call;
    expect(result.isError).toBeFalsy();
    const runs = runsIn(marker);
    expect(runs).toHaveLength(2);
    expect(runs[1]).not.toBe(killed);
    expect(textOf(result)).toBe(`done by ${runs[1]}`);
    await restoreWorkers();
  }, 60_000);

  it('fails a non-idempotent call at once when its worker is killed, and never runs it again', async () => {
    const marker = newMarker();
    const call = client.callTool({ name: 'record_and_sleep', arguments: { marker, ms: 3000 } }, undefined, {
      timeout: 60_000,
    });
    await waitFor(() => runsIn(marker).length === 1, 10_000, 'the call to start');
    const [killed] = runsIn(marker);
    await workerByPid(killed!).stop('SIGKILL');
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('worker lost: the tool may or may not have run');
    // The stalled job comes back to the surviving worker, which refuses to run it a second time.
    const survivor = workers.find((worker) => worker.child.pid !== killed)!;
    await survivor.waitForLog(
      (line) => line.msg === 'job returned after its worker died; not running a non-idempotent tool again',
      30_000,
    );
    expect(runsIn(marker)).toEqual([killed]);
    await restoreWorkers();
  }, 60_000);
});

describe('queue mode without workers', () => {
  let lonely: SpawnedGateway;

  beforeAll(async () => {
    lonely = await startQueueGateway(queueEnv(inject('redisUrl')));
  });

  afterAll(async () => {
    await lonely?.stop();
  });

  it('fails calls at once with a clear message and reports 0 workers', async () => {
    const rest = await fetch(new URL('/mcp/call_tool', lonely.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'echo', arguments: { text: 'x' } }),
    });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('1');
    expect(((await rest.json()) as { error: { message: string } }).error.message).toMatch(/No live workers/);

    const mcp = await connectClient(lonely.url, 'sse');
    const error = await mcp.callTool({ name: 'echo', arguments: { text: 'x' } }).catch((caught: unknown) => caught);
    await mcp.close();
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32000);
    expect((error as McpError).message).toMatch(/No live workers/);

    const readiness = await fetch(new URL('/health/readiness', lonely.url));
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ mode: 'queue', workers: 0 });
  });
});

describe('queue mode with a worker started on another config', () => {
  const mismatchEnv = queueEnv(inject('redisUrl'));
  let gateway: SpawnedGateway;
  let worker: SpawnedProcess;

  beforeAll(async () => {
    gateway = await startQueueGateway(mismatchEnv);
    // The worker knows only echo: whoami, which the gateway lists, is not in its config.
    const onlyEcho = writeTempConfig(
      'mcp_tools:\n  - name: echo\n    input_schema: { type: object }\n    handler: faults.echo\n',
    );
    worker = await startWorker(mismatchEnv, onlyEcho);
    await waitForWorkers(gateway, 1);
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), worker?.stop()]);
  });

  it('fails a call to a tool no live worker has with an error naming it, and logs the mismatch once', async () => {
    const mcp = await connectClient(gateway.url, 'streamable-http');
    try {
      expect((await mcp.callTool({ name: 'echo', arguments: { text: 'still served' } })).structuredContent).toEqual({
        text: 'still served',
      });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const error = await mcp.callTool({ name: 'whoami', arguments: {} }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(McpError);
        expect((error as McpError).message).toMatch(/No live worker can run tool "whoami"/);
      }
    } finally {
      await mcp.close();
    }
    const mismatches = gateway.logs.filter((line) =>
      String(line.msg).startsWith('workers started with another config'),
    );
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({ level: 40 });
    expect(mismatches[0]!.missing).toEqual(expect.arrayContaining(['whoami', 'record_and_sleep']));
    expect(mismatches[0]!.missing).not.toContain('echo');
  });
});
