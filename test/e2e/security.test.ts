import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { initializeBody, MCP_HEADERS, rawRequest, sseMessages } from '../helpers/http.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';
import { ECHO_TOOL, WHOAMI_TOOL } from '../helpers/fixture-tools.js';

// What a virtual key promises, attacked as a client holding a second key (or none) would: raw HTTP,
// other keys' sessions, batches, and a listener on the deployment's Redis.
const MASTER = 'sk-master-security';
const CONFIG = writeTempConfig(`
mcp_tools:
${ECHO_TOOL}
${WHOAMI_TOOL}
general_settings:
  master_key: ${MASTER}
toolgate_settings:
  max_sessions_per_key: 2
`);

const env = queueEnv(inject('redisUrl'));
let gateways: SpawnedGateway[];
let worker: SpawnedProcess;

beforeAll(async () => {
  gateways = await Promise.all([startQueueGateway(env, CONFIG), startQueueGateway(env, CONFIG)]);
  worker = await startWorker(env, CONFIG);
  await Promise.all(gateways.map((gateway) => waitForWorkers(gateway, 1)));
});

afterAll(async () => {
  await Promise.all([...(gateways ?? []).map((gateway) => gateway.stop()), worker?.stop()]);
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function postJson(gateway: SpawnedGateway, path: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(body),
  });
}

async function generate(body: Record<string, unknown>): Promise<string> {
  const response = await postJson(gateways[0]!, '/key/generate', MASTER, body);
  expect(response.status).toBe(200);
  return ((await response.json()) as { key: string }).key;
}

const toolCall = (id: number, name: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: name === 'echo' ? { text: 'hi' } : {} },
});

/** A legacy SSE session opened raw: its messages URL, and the JSON-RPC messages its stream delivers. */
async function openLegacySession(gateway: SpawnedGateway, key: string) {
  const controller = new AbortController();
  const response = await fetch(`${gateway.url}/sse`, {
    headers: { accept: 'text/event-stream', ...bearer(key) },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const readUntil = async (found: () => boolean) => {
    while (!found()) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the SSE stream ended');
      text += value;
    }
  };
  await readUntil(() => /event: endpoint\ndata: (\S+)/.test(text));
  const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)![1]!;
  const answerTo = async (id: number) => {
    const answered = () => sseMessages(text).find((message) => message.id === id);
    await readUntil(() => answered() !== undefined);
    return answered()!;
  };
  const post = (on: SpawnedGateway, withKey: string, message: unknown) =>
    postJson(on, endpoint, withKey, message).then((posted) => posted.status);
  expect(await post(gateway, key, JSON.parse(initializeBody('2024-11-05')))).toBe(202);
  await answerTo(1);
  expect(await post(gateway, key, { jsonrpc: '2.0', method: 'notifications/initialized' })).toBe(202);
  return { endpoint, post, answerTo, close: () => controller.abort() };
}

describe('sessions belong to the key that opened them', () => {
  it('applies a key narrowed while its legacy SSE session is open at once', async () => {
    const key = await generate({ tools: ['echo', 'whoami'] });
    const session = await openLegacySession(gateways[0]!, key);
    try {
      expect(await session.post(gateways[0]!, key, toolCall(2, 'whoami'))).toBe(202);
      expect(await session.answerTo(2)).toMatchObject({ result: { content: [{ type: 'text' }] } });
      expect((await postJson(gateways[0]!, '/key/update', MASTER, { key, tools: ['echo'] })).status).toBe(200);
      expect(await session.post(gateways[0]!, key, toolCall(3, 'whoami'))).toBe(202);
      expect(await session.answerTo(3)).toMatchObject({
        error: { message: expect.stringMatching(/may not call tool whoami/) },
      });
    } finally {
      session.close();
    }
  });

  it('does not let another key post into a legacy SSE session, on its gateway or another', async () => {
    const owner = await generate({});
    const other = await generate({ tools: ['echo'] });
    const session = await openLegacySession(gateways[0]!, owner);
    try {
      for (const gateway of gateways) expect(await session.post(gateway, other, toolCall(2, 'whoami'))).toBe(404);
      // The owner still can, from either gateway.
      expect(await session.post(gateways[1]!, owner, toolCall(3, 'echo'))).toBe(202);
      expect(await session.answerTo(3)).toMatchObject({ result: { content: [{ type: 'text' }] } });
    } finally {
      session.close();
    }
  });

  it('refuses a deleted key on the session it opened', async () => {
    const key = await generate({});
    const session = await openLegacySession(gateways[0]!, key);
    try {
      expect((await postJson(gateways[0]!, '/key/delete', MASTER, { keys: [key] })).status).toBe(200);
      expect(await session.post(gateways[1]!, key, toolCall(2, 'echo'))).toBe(401);
    } finally {
      session.close();
    }
  });

  it('does not let another key use a streamable HTTP session', async () => {
    const owner = await generate({});
    const other = await generate({});
    const opened = await fetch(`${gateways[0]!.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...bearer(owner) },
      body: initializeBody('2025-06-18'),
    });
    const sessionId = opened.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    for (const gateway of gateways) {
      const used = await fetch(`${gateway.url}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...bearer(other), 'mcp-session-id': sessionId },
        body: JSON.stringify(toolCall(2, 'echo')),
      });
      expect(used.status).toBe(404);
    }
  });
});

describe('what a client can make the gateway keep', () => {
  it('refuses an initialize whose client info and capabilities would make a large session record', async () => {
    const key = await generate({});
    const body = JSON.parse(initializeBody('2025-06-18')) as { params: { capabilities: Record<string, unknown> } };
    body.params.capabilities = { experimental: { padding: { text: 'x'.repeat(100_000) } } };
    const refused = await fetch(`${gateways[0]!.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...bearer(key) },
      body: JSON.stringify(body),
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('mcp-session-id')).toBeNull();
    expect(await refused.json()).toMatchObject({
      error: { code: -32602, message: expect.stringMatching(/at most 16384 bytes/) },
    });
  });
});

describe('how many sessions a key may hold', () => {
  const initialize = (gateway: SpawnedGateway, key: string) =>
    fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...bearer(key) },
      body: initializeBody('2025-06-18'),
    });

  it('refuses a key its third streamable HTTP session (max_sessions_per_key 2) until it ends one', async () => {
    const key = await generate({});
    const first = await initialize(gateways[0]!, key);
    expect((await initialize(gateways[1]!, key)).status).toBe(200);
    const third = await initialize(gateways[0]!, key);
    expect(third.status).toBe(429);
    expect(await third.text()).toMatch(/max_sessions_per_key 2/);
    // Another key is not held back by this one's sessions.
    expect((await initialize(gateways[0]!, await generate({}))).status).toBe(200);
    const ended = await fetch(`${gateways[1]!.url}/mcp`, {
      method: 'DELETE',
      headers: { ...bearer(key), 'mcp-session-id': first.headers.get('mcp-session-id')! },
    });
    expect(ended.status).toBe(200);
    expect((await initialize(gateways[0]!, key)).status).toBe(200);
  });

  it('refuses a key its third legacy SSE stream', async () => {
    const key = await generate({});
    const sessions = [await openLegacySession(gateways[0]!, key), await openLegacySession(gateways[1]!, key)];
    try {
      const third = await fetch(`${gateways[0]!.url}/sse`, {
        headers: { accept: 'text/event-stream', ...bearer(key) },
      });
      expect(third.status).toBe(429);
      expect(await third.text()).toMatch(/max_sessions_per_key 2/);
    } finally {
      for (const session of sessions) session.close();
    }
  });
});

describe('limits count calls, not requests', () => {
  it('counts every tools/call of a JSON-RPC batch against rpm_limit', async () => {
    // A minute boundary in the middle would start a new count: begin early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
    const key = await generate({ rpm_limit: 3 });
    const batch = await fetch(`${gateways[0]!.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...bearer(key) },
      body: JSON.stringify([1, 2, 3, 4].map((id) => toolCall(id, 'echo'))),
    });
    expect(batch.status).toBe(429);
    expect(await batch.text()).toMatch(/rpm_limit 3/);
  });
});

describe('secrets stay off the wire', () => {
  it('passes a legacy message to the gateway holding the stream without any credential on Redis', async () => {
    const key = await generate({});
    const listener = new Redis(inject('redisUrl'));
    const heard: string[] = [];
    try {
      await listener.subscribe(`${env.QUEUE_PREFIX}:tg:sessions`);
      listener.on('message', (_channel, message: string) => heard.push(message));
      const session = await openLegacySession(gateways[0]!, key);
      try {
        // Posted to the gateway that does not hold the stream: it crosses the bus.
        expect(await session.post(gateways[1]!, key, toolCall(2, 'echo'))).toBe(202);
        expect(await session.answerTo(2)).toMatchObject({ result: { content: [{ type: 'text' }] } });
      } finally {
        session.close();
      }
      const crossed = heard.filter((message) => message.includes('"legacy-message"'));
      expect(crossed.length).toBeGreaterThan(0);
      for (const message of crossed) {
        expect(message).not.toContain(key);
        expect(message).not.toContain(MASTER);
        expect(message.toLowerCase()).not.toContain('authorization');
      }
    } finally {
      listener.disconnect();
    }
  });

  it('shows /metrics (every key alias and usage) to the master key only', async () => {
    const key = await generate({ key_alias: 'nosy' });
    expect((await fetch(`${gateways[0]!.url}/metrics`, { headers: bearer(key) })).status).toBe(403);
    expect((await fetch(`${gateways[0]!.url}/metrics`, { headers: bearer(MASTER) })).status).toBe(200);
  });
});

describe('DNS rebinding, on any bind address', () => {
  let exposed: SpawnedGateway;

  beforeAll(async () => {
    const config = writeTempConfig(`
mcp_tools:
${ECHO_TOOL}
general_settings:
  master_key: ${MASTER}
toolgate_settings:
  allowed_hosts: [gateway.example]
`);
    exposed = await startGateway({ config, env: { HOST: '0.0.0.0' } });
  });

  afterAll(async () => {
    await exposed?.stop();
  });

  it('refuses a Host naming another domain while bound beyond loopback, and takes addresses and allowed names', async () => {
    const port = new URL(exposed.url).port;
    const url = `http://127.0.0.1:${port}/mcp/list_tools`;
    const rebound = await rawRequest(url, { headers: { host: `evil.example:${port}`, ...bearer(MASTER) } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/Host not allowed.*allowed_hosts/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `gateway.example:${port}`])
      expect((await rawRequest(url, { headers: { host, ...bearer(MASTER) } })).status, host).toBe(200);
  });
});
