import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ROOT,
  startGateway,
  writeTempConfig,
  type SpawnedGateway,
  type SpawnedProcess,
} from '../helpers/gateway-process.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';
import { connectClient } from '../helpers/mcp-client.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { spawnRedisServer } from '../helpers/redis-server.js';
import { ECHO_TOOL, MARK_AFTER_TOOL, WHOAMI_TOOL } from '../helpers/fixture-tools.js';

// Virtual keys in queue mode: created with the master key, stored hashed in Redis, and honoured by
// every gateway: models, tools (local and upstream), limits and usage.
const MASTER = 'sk-master-test';
const FAULT_SERVER = join(ROOT, 'test/fixtures/upstream-fault-server.mjs');
const CONFIG = writeTempConfig(`
mcp_servers:
  faulty: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}] }
model_list:
  - model_name: fast
    litellm_params: { model: openai/fast, mock_response: "fast answer" }
  - model_name: other
    litellm_params: { model: openai/other, mock_response: "other answer" }
mcp_tools:
${ECHO_TOOL}
${WHOAMI_TOOL}
  - name: timed_wait
    description: Awaits a timer
    input_schema: { type: object, properties: { ms: { type: integer } }, required: [ms] }
    handler: faults.timed_wait
${MARK_AFTER_TOOL}
general_settings:
  master_key: ${MASTER}
`);

const env = queueEnv(inject('redisUrl'));
let gateways: SpawnedGateway[];
let worker: SpawnedProcess;

const post = (gateway: SpawnedGateway, path: string, key: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

const get = async (gateway: SpawnedGateway, path: string, key: string) =>
  (await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json();

const listedTools = async (gateway: SpawnedGateway, key: string) =>
  ((await get(gateway, '/mcp/list_tools', key)) as { tools: { name: string }[] }).tools.map((tool) => tool.name).sort();

async function generate(body: Record<string, unknown>): Promise<string> {
  const response = await post(gateways[0]!, '/key/generate', MASTER, body);
  expect(response.status).toBe(200);
  return ((await response.json()) as { key: string }).key;
}

beforeAll(async () => {
  gateways = await Promise.all([startQueueGateway(env, CONFIG), startQueueGateway(env, CONFIG)]);
  worker = await startWorker(env, CONFIG);
  await Promise.all(gateways.map((gateway) => waitForWorkers(gateway, 1)));
  // The upstream server's tools reach the gateways from the worker's listing.
  for (const gateway of gateways) {
    const until = Date.now() + 20_000;
    while (!(await listedTools(gateway, MASTER)).includes('faulty-own_pid')) {
      if (Date.now() > until) throw new Error('the gateway never listed the upstream tools');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
});

afterAll(async () => {
  await Promise.all([...(gateways ?? []).map((gateway) => gateway.stop()), worker?.stop()]);
});

describe('a key limited to one model and one tool', () => {
  let key: string;

  beforeAll(async () => {
    key = await generate({ key_alias: 'narrow', models: ['fast'], tools: ['echo'] });
    expect(key).toMatch(/^sk-/);
  });

  it('lists and uses only its model, on any gateway', async () => {
    for (const gateway of gateways) {
      const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
      expect((await openai.models.list()).data.map((model) => model.id)).toEqual(['fast']);
      expect(
        (await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }))
          .choices[0]?.message.content,
      ).toBe('fast answer');
      const refused = await openai.chat.completions
        .create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught: unknown) => caught);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
      expect((refused as InstanceType<typeof OpenAI.APIError>).message).toMatch(/may not use model other/);
    }
  });

  it('lists and calls only its tool over MCP 2026-07-28, with a list cacheable for that key alone', async () => {
    const client = new ModernClient({ name: 'modern-key', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new ModernTransport(new URL('/mcp', gateways[0]!.url), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const listed = await client.listTools();
      expect(listed.tools.map((tool) => tool.name)).toEqual(['echo']);
      expect(listed.cacheScope).toBe('private');
      expect((await client.callTool({ name: 'echo', arguments: { text: 'key' } })).structuredContent).toEqual({
        text: 'key',
      });
      await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/may not call tool whoami/);
    } finally {
      await client.close();
    }
  });

  it('lists and calls only its tool on the REST routes', async () => {
    const listed = (await (
      await fetch(`${gateways[1]!.url}/mcp/list_tools`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toEqual(['echo']);
    expect((await post(gateways[1]!, '/mcp/call_tool', key, { name: 'echo', arguments: { text: 'hi' } })).status).toBe(
      200,
    );
    const refused = await post(gateways[0]!, '/mcp/call_tool', key, { name: 'whoami', arguments: {} });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /may not call tool whoami/,
    );
  });

  it('lists and calls only its tool over MCP, and is refused the rest with a JSON-RPC error saying why', async () => {
    for (const kind of ['streamable-http', 'sse'] as const) {
      const client = await connectClient(gateways[1]!.url, kind, { authorization: `Bearer ${key}` });
      try {
        expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo']);
        expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { text: 'over mcp' } }))).toContain(
          'over mcp',
        );
        await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/may not call tool whoami/);
        // Nor does it see the prompts of a server it has no tool of.
        expect((await client.listPrompts()).prompts).toEqual([]);
      } finally {
        await client.close();
      }
    }
  });

  it('has its usage counted across gateways: /key/info, and metrics labelled by its alias', async () => {
    // So far: one chat on each gateway, three echo calls on the second (REST, then both 2025 MCP transports)
    // and one on the first (MCP 2026-07-28).
    const { info } = (await get(gateways[0]!, `/key/info?key=${key}`, MASTER)) as {
      info: {
        usage: {
          tool_calls: unknown;
          chat_requests: unknown;
          prompt_tokens: number;
          completion_tokens: number;
          total_tokens: number;
        };
      };
    };
    expect(info.usage.tool_calls).toEqual({ echo: { success: 4 } });
    expect(info.usage.chat_requests).toEqual({ fast: { 200: 2 } });
    expect(info.usage.prompt_tokens).toBeGreaterThan(0);
    expect(info.usage.total_tokens).toBe(info.usage.prompt_tokens + info.usage.completion_tokens);
    const metrics = await (
      await fetch(`${gateways[1]!.url}/metrics`, { headers: { authorization: `Bearer ${MASTER}` } })
    ).text();
    expect(metrics).toContain('toolgate_key_tool_calls_total{key_alias="narrow",tool="echo",outcome="success"} 3');
    expect(metrics).toContain('toolgate_key_chat_requests_total{key_alias="narrow",model="fast",status="200"} 1');
    expect(metrics).toMatch(/toolgate_key_tokens_total\{key_alias="narrow",kind="completion"\} [1-9]/);
  });

  it('is shown by /key/info and stored only hashed', async () => {
    const info = (await (
      await fetch(`${gateways[1]!.url}/key/info?key=${key}`, { headers: { authorization: `Bearer ${MASTER}` } })
    ).json()) as { info: { key_alias: string; models: string[] } };
    expect(info.info).toMatchObject({ key_alias: 'narrow', models: ['fast'] });
    const redis = new Redis(inject('redisUrl'));
    try {
      const names = await redis.keys(`${env.QUEUE_PREFIX}:tg:key*`);
      expect(names.length).toBeGreaterThan(0);
      const valueOf = async (name: string) => {
        const type = await redis.type(name);
        if (type === 'set') return (await redis.smembers(name)).join(' ');
        if (type === 'hash') return JSON.stringify(await redis.hgetall(name));
        return String(await redis.get(name));
      };
      const values = await Promise.all(names.map(valueOf));
      expect([...names, ...values].some((text) => text.includes(key))).toBe(false);
    } finally {
      redis.disconnect();
    }
    // Nor in any log line the gateways have written while it was used.
    for (const gateway of gateways)
      await expect(gateway.waitForLog((line) => JSON.stringify(line).includes(key), 300)).rejects.toThrow(
        /timed out waiting/,
      );
  });

  it('cannot be created naming a model the gateway does not serve', async () => {
    const refused = await post(gateways[0]!, '/key/generate', MASTER, { models: ['fast', 'fsat'] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'models names unknown models: fsat',
    );
  });

  it("cannot be created naming a tool the gateway does not serve (an upstream server's future tools excepted)", async () => {
    const refused = await post(gateways[0]!, '/key/generate', MASTER, {
      tools: ['echo', 'ecoh', 'faulty-not_listed_yet', 42],
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'tools names unknown tools: ecoh, 42',
    );
    const accepted = await post(gateways[0]!, '/key/generate', MASTER, { tools: ['echo', 'faulty-not_listed_yet'] });
    expect(accepted.status).toBe(200);
  });

  it('is refused the key routes, which need the master key', async () => {
    expect((await post(gateways[0]!, '/key/generate', key, {})).status).toBe(403);
  });
});

describe("a key given upstream servers' tools (object_permission)", () => {
  it('sees and calls only the tools mcp_tool_permissions names, under either name', async () => {
    const key = await generate({
      key_alias: 'one-upstream-tool',
      object_permission: { mcp_tool_permissions: { faulty: ['own_pid'] } },
    });
    expect(await listedTools(gateways[0]!, key)).toEqual(['faulty-own_pid']);
    expect((await post(gateways[1]!, '/mcp/call_tool', key, { name: 'faulty-own_pid', arguments: {} })).status).toBe(
      200,
    );
    const refused = await post(gateways[1]!, '/mcp/call_tool', key, { name: 'faulty-parent_pid', arguments: {} });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /may not call tool faulty-parent_pid \(it may use: faulty's own_pid\)/,
    );
    // The server's own route, under the server's names: narrowing by route never widens the key.
    const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateways[0]!.url}/mcp/faulty`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['own_pid']);
      await expect(client.callTool({ name: 'parent_pid', arguments: {} })).rejects.toThrow(
        /may not call tool parent_pid/,
      );
    } finally {
      await client.close();
    }
  });

  it('sees every tool of the servers mcp_servers names, and no local tool', async () => {
    const key = await generate({ object_permission: { mcp_servers: ['faulty'] } });
    const listed = await listedTools(gateways[1]!, key);
    expect(listed.length).toBeGreaterThan(1);
    expect(listed.every((name) => name.startsWith('faulty-'))).toBe(true);
    expect((await post(gateways[1]!, '/mcp/call_tool', key, { name: 'echo', arguments: { text: 'x' } })).status).toBe(
      403,
    );
  });

  it('never widens when an update empties its grants, and shows only its servers’ health', async () => {
    const key = await generate({ object_permission: { mcp_servers: ['faulty'] } });
    const health = (await get(gateways[0]!, '/v1/mcp/server/health', key)) as { servers: { server: string }[] };
    expect(health.servers.map((server) => server.server)).toEqual(['faulty']);
    expect(
      (await post(gateways[0]!, '/key/update', MASTER, { key, object_permission: { mcp_servers: [] } })).status,
    ).toBe(200);
    expect(await listedTools(gateways[1]!, key)).toEqual([]);
    expect(((await get(gateways[1]!, '/v1/mcp/server/health', key)) as { servers: unknown[] }).servers).toEqual([]);
    // Nor may the key itself change anything, or learn which servers exist by naming a wrong one.
    const own = await post(gateways[0]!, '/key/update', key, { key, object_permission: { mcp_servers: ['nosuch'] } });
    expect(own.status).toBe(403);
  });

  it('refuses to create a key naming a server the gateway does not have', async () => {
    const response = await post(gateways[0]!, '/key/generate', MASTER, {
      object_permission: { mcp_servers: ['nosuch'] },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /unknown MCP server: nosuch/,
    );
  });
});

describe('limits and deletion across gateways', () => {
  it('gives the sixth request in a minute a 429 with Retry-After, whichever gateway it reaches', async () => {
    // A minute boundary in the middle would start a new count: begin early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
    const key = await generate({ rpm_limit: 5 });
    for (let request = 0; request < 5; request += 1)
      expect(
        (
          await post(gateways[request % 2]!, '/v1/chat/completions', key, {
            model: 'fast',
            messages: [{ role: 'user', content: 'hi' }],
          })
        ).status,
      ).toBe(200);
    for (const gateway of gateways) {
      const limited = await post(gateway, '/v1/chat/completions', key, {
        model: 'fast',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // An MCP tool call over the limit is a JSON-RPC error saying so, answering the request's id.
    const raw = await fetch(`${gateways[0]!.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'x' } },
      }),
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      error: { message: expect.stringMatching(/Rate limit reached for this key: rpm_limit 5/) },
    });
    const client = await connectClient(gateways[1]!.url, 'streamable-http', { authorization: `Bearer ${key}` });
    try {
      await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(
        /Rate limit reached for this key/,
      );
    } finally {
      await client.close();
    }
  });

  it('holds its models and rate limit on every spelling of the model routes (trailing slash, capitals)', async () => {
    // A minute boundary in the middle would start a new count: begin early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
    const key = await generate({ models: ['fast'], rpm_limit: 3 });
    const variants = ['/v1/chat/completions/', '/V1/Chat/Completions', '/v1/responses/', '/V1/EMBEDDINGS/'];
    for (const path of variants) {
      const refused = await post(gateways[0]!, path, key, { model: 'other', input: 'hi', messages: [] });
      expect(refused.status, path).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /may not use model other/,
      );
    }
    const chat = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };
    for (const path of ['/v1/chat/completions/', '/V1/CHAT/COMPLETIONS', '/chat/completions/'])
      expect((await post(gateways[1]!, path, key, chat)).status, path).toBe(200);
    const limited = await post(gateways[0]!, '/v1/Chat/Completions/', key, chat);
    expect(limited.status).toBe(429);
  });

  it('refuses a third concurrent call of a key with max_parallel_requests 2, and takes it once one ends', async () => {
    const key = await generate({ max_parallel_requests: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-parallel-'));
    const markers = [join(dir, 'first'), join(dir, 'second')];
    const running = markers.map((marker, index) =>
      post(gateways[index]!, '/mcp/call_tool', key, { name: 'mark_after', arguments: { marker, ms: 1_500 } }),
    );
    // Both calls hold their places once their handlers run.
    await Promise.all(markers.map((marker) => waitForMarker(startedMarker(marker))));
    const third = await post(gateways[1]!, '/mcp/call_tool', key, { name: 'echo', arguments: { text: 'x' } });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(
      /max_parallel_requests \(2\)/,
    );
    expect((await Promise.all(running)).map((response) => response.status)).toEqual([200, 200]);
    expect((await post(gateways[0]!, '/mcp/call_tool', key, { name: 'echo', arguments: { text: 'x' } })).status).toBe(
      200,
    );
  });

  it('refuses a deleted key with 401 on both gateways', async () => {
    const key = await generate({});
    expect(
      (
        await post(gateways[1]!, '/v1/chat/completions', key, {
          model: 'fast',
          messages: [{ role: 'user', content: 'hi' }],
        })
      ).status,
    ).toBe(200);
    expect((await post(gateways[0]!, '/key/delete', MASTER, { keys: [key] })).status).toBe(200);
    for (const gateway of gateways)
      expect(
        (
          await post(gateway, '/v1/chat/completions', key, {
            model: 'fast',
            messages: [{ role: 'user', content: 'hi' }],
          })
        ).status,
      ).toBe(401);
  });

  it('refuses an expired key', async () => {
    const key = await generate({ duration: '1s' });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(
      (
        await post(gateways[0]!, '/v1/chat/completions', key, {
          model: 'fast',
          messages: [{ role: 'user', content: 'hi' }],
        })
      ).status,
    ).toBe(401);
  });
});

describe('when Redis goes away', () => {
  it('fails closed for virtual keys (503) while the master key still reaches health and metrics', async () => {
    const redis = await spawnRedisServer();
    const ownEnv = queueEnv(redis.url);
    const gateway = await startQueueGateway(ownEnv, CONFIG);
    try {
      const response = await post(gateway, '/key/generate', MASTER, { models: ['fast'] });
      const { key } = (await response.json()) as { key: string };
      expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
        200,
      );
      await redis.stop();
      const refused = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(refused.status).toBe(503);
      expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${MASTER}` } })).status).toBe(
        200,
      );
      // The dashboard's data lives in Redis too: a clear 503, not a hang.
      const status = await fetch(`${gateway.url}/v1/status`, { headers: { authorization: `Bearer ${MASTER}` } });
      expect(status.status).toBe(503);
      expect(((await status.json()) as { error: { message: string } }).error.message).toMatch(
        /status cannot be gathered right now/,
      );
      expect((await fetch(`${gateway.url}/health/liveliness`)).status).toBe(200);
    } finally {
      await gateway.stop('SIGKILL');
      await redis.stop();
    }
  });
});

describe('without Redis', () => {
  it('answers the key routes with 501, and the master key still works', async () => {
    const embedded = await startGateway({ config: CONFIG });
    try {
      const response = await post(embedded, '/key/generate', MASTER, {});
      expect(response.status).toBe(501);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/need Redis/);
      expect(
        (
          await post(embedded, '/v1/chat/completions', MASTER, {
            model: 'fast',
            messages: [{ role: 'user', content: 'hi' }],
          })
        ).status,
      ).toBe(200);
    } finally {
      await embedded.stop();
    }
  });
});
