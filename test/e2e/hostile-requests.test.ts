import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway, type SpawnedProcess } from '../helpers/gateway-process.js';
import { MCP_HEADERS, initializeBody, rawRequest, type RawResponse } from '../helpers/http.js';
import { queueEnv, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// A generated set of hostile requests over every route, in both modes. Each must be answered within a
// bound, with a 4xx (or an `isError` result for tool arguments), no stack or path in the body, and the
// gateway must stay up and healthy.

const MAX_BYTES = 64 * 1024;
const CONFIG = writeTempConfig(`
mcp_tools:
  - name: echo
    description: Echo the arguments back
    input_schema: { type: object, properties: { text: { type: string } } }
    handler: faults.echo
model_list:
  - model_name: demo
    litellm_params: { model: openai/demo, mock_response: hello }
toolgate_settings:
  max_request_bytes: ${MAX_BYTES}
  request_body_timeout_ms: 1000
`);

/** Every answer must come within this (the slowest is a body that never arrives: the 1 s timeout). */
const ANSWER_WITHIN_MS = 8_000;

interface HostileCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** `4xx`: must be refused; `answered`: any status below 500 (HEAD, OPTIONS, tool errors). */
  readonly expect: '4xx' | 'answered' | 'tool_error';
}

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const JSON_ROUTES = [
  '/mcp',
  '/mcp/call_tool',
  '/mcp/list_tools',
  '/v1/chat/completions',
  '/chat/completions',
  '/mcp/tools/call',
];
const GET_ROUTES = [
  '/mcp',
  '/sse',
  '/mcp/sse',
  '/v1/models',
  '/metrics',
  '/health/liveliness',
  '/health/readiness',
  '/mcp/list_tools',
  '/nowhere',
];

function hostileBodies(): {
  name: string;
  headers?: Record<string, string>;
  body: string;
  expect: HostileCase['expect'];
}[] {
  return [
    { name: 'malformed JSON', body: '{"name": "echo", ', expect: '4xx' },
    { name: 'not JSON at all', body: 'hello there', expect: '4xx' },
    { name: 'a JSON string', body: '"echo"', expect: '4xx' },
    { name: 'a JSON number', body: '42', expect: '4xx' },
    { name: 'JSON null', body: 'null', expect: '4xx' },
    { name: 'an empty array', body: '[]', expect: '4xx' },
    { name: 'an array 10,000 deep', body: deepArray(10_000), expect: '4xx' },
    { name: 'an object 10,000 deep', body: deepObject(10_000), expect: '4xx' },
    {
      name: 'a body over the limit',
      body: `{"name":"echo","arguments":{"text":"${'x'.repeat(MAX_BYTES)}"}}`,
      expect: '4xx',
    },
    { name: 'gzip that is not gzip', headers: { 'content-encoding': 'gzip' }, body: '{"name":"echo"}', expect: '4xx' },
    {
      name: 'deflate that is not deflate',
      headers: { 'content-encoding': 'deflate' },
      body: '{"name":"echo"}',
      expect: '4xx',
    },
    { name: 'br that is not br', headers: { 'content-encoding': 'br' }, body: '{"name":"echo"}', expect: '4xx' },
    {
      name: 'an unknown encoding',
      headers: { 'content-encoding': 'compress' },
      body: '{"name":"echo"}',
      expect: '4xx',
    },
    {
      name: 'a declared length far over the limit',
      headers: { 'content-length': '10737418240' },
      body: '{}',
      expect: '4xx',
    },
    {
      name: 'a body shorter than declared',
      headers: { 'content-length': '500' },
      body: '{"name":"echo"',
      expect: '4xx',
    },
    {
      name: 'wrong types everywhere',
      body: '{"jsonrpc":2,"id":{},"method":["tools/call"],"name":7,"model":false,"messages":"hi","arguments":"x"}',
      expect: '4xx',
    },
    { name: 'messages holding null', body: '{"model":"demo","messages":[null]}', expect: '4xx' },
    {
      name: 'a tool call with deep arguments',
      body: `{"name":"echo","arguments":{"text":${deepArray(10_000)}}}`,
      expect: '4xx',
    },
  ];
}

function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const path of JSON_ROUTES) {
    for (const body of hostileBodies()) {
      cases.push({
        name: `POST ${path}: ${body.name}`,
        method: 'POST',
        path,
        headers: { ...MCP_HEADERS, ...body.headers },
        body: body.body,
        expect: body.expect,
      });
    }
    cases.push({
      name: `POST ${path}: text/plain`,
      method: 'POST',
      path,
      headers: { 'content-type': 'text/plain' },
      body: '{"name":"echo"}',
      expect: '4xx',
    });
    cases.push({
      name: `POST ${path}: a bogus session id`,
      method: 'POST',
      path,
      headers: { ...MCP_HEADERS, 'mcp-session-id': '../../etc/passwd' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      expect: 'answered',
    });
  }
  cases.push({
    name: 'POST /mcp/call_tool: arguments of the wrong type',
    method: 'POST',
    path: '/mcp/call_tool',
    headers: MCP_HEADERS,
    body: '{"name":"echo","arguments":{"text":5}}',
    expect: 'tool_error',
  });
  cases.push({
    name: 'POST /mcp/call_tool: an unknown tool',
    method: 'POST',
    path: '/mcp/call_tool',
    headers: MCP_HEADERS,
    body: '{"name":"nope"}',
    expect: '4xx',
  });
  for (const path of GET_ROUTES) {
    for (const method of ['HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      cases.push({ name: `${method} ${path}`, method, path, expect: 'answered' });
    cases.push({
      name: `GET ${path}: an absurd accept header`,
      method: 'GET',
      path: path === '/mcp' ? '/mcp' : path,
      headers: { accept: 'x'.repeat(4_000) },
      expect: 'answered',
    });
  }
  cases.push({
    name: 'POST /messages for no session',
    method: 'POST',
    path: '/messages?sessionId=nope',
    headers: MCP_HEADERS,
    body: '{}',
    expect: '4xx',
  });
  // With no session, GET /mcp opens a legacy SSE stream, as LiteLLM's does.
  cases.push({
    name: 'GET /mcp with a made-up protocol version',
    method: 'GET',
    path: '/mcp',
    headers: { accept: 'text/event-stream', 'mcp-protocol-version': '1999-01-01' },
    expect: 'answered',
  });
  cases.push({
    name: 'POST /mcp with a made-up protocol version',
    method: 'POST',
    path: '/mcp',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': '1999-01-01' },
    body: initializeBody('1999-01-01'),
    expect: 'answered',
  });
  return cases;
}

/** Signs that internals leaked: a stack frame or a path on this machine. */
const LEAK = /\n\s+at |node_modules|\/work\/|\.ts:\d+|\.js:\d+/;

async function answer(url: string, hostile: HostileCase): Promise<RawResponse> {
  return Promise.race([
    rawRequest(new URL(hostile.path, url).href, {
      method: hostile.method,
      headers: hostile.headers,
      body: hostile.body,
      untilBody: /^(?:event|data|:)/m,
    }),
    new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS),
    ),
  ]);
}

/** Opens a legacy SSE session on a raw socket and returns its messages path. */
async function openLegacySession(url: string): Promise<{ messagesPath: string; close: () => void }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(`GET /sse HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  const messagesPath = await new Promise<string>((resolve, reject) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      const match = /data: (\/\S*messages\?sessionId=\S+)/.exec(received);
      if (match?.[1]) resolve(match[1]);
    });
    socket.once('error', reject);
  });
  return { messagesPath, close: () => socket.destroy() };
}

function checkAnswer(hostile: HostileCase, response: RawResponse): void {
  const what = `${hostile.name} → ${response.status} ${response.body.slice(0, 200)}`;
  expect(response.status, what).toBeLessThan(500);
  if (hostile.expect === '4xx') expect(response.status, what).toBeGreaterThanOrEqual(400);
  if (hostile.expect === 'tool_error') expect(JSON.parse(response.body), what).toMatchObject({ isError: true });
  expect(LEAK.test(response.body), what).toBe(false);
}

function fuzz(mode: 'embedded' | 'queue') {
  describe(`hostile requests, ${mode} mode`, () => {
    let gateway: SpawnedGateway;
    let worker: SpawnedProcess | undefined;

    beforeAll(async () => {
      const env = mode === 'queue' ? queueEnv(inject('redisUrl')) : {};
      gateway = await startGateway({ config: CONFIG, env });
      if (mode === 'queue') {
        worker = await startWorker(env, CONFIG);
        await waitForWorkers(gateway, 1);
      }
    });

    afterAll(async () => {
      await Promise.all([gateway?.stop(), worker?.stop()]);
    });

    it('answers every one within its bound with a 4xx, no internals, and stays healthy', async () => {
      const cases = hostileCases();
      // A few at a time: enough to overlap, few enough that every bound is the gateway's, not the machine's.
      for (let start = 0; start < cases.length; start += 8) {
        await Promise.all(
          cases.slice(start, start + 8).map(async (hostile) => {
            checkAnswer(hostile, await answer(gateway.url, hostile));
          }),
        );
      }
      expect(gateway.child.exitCode).toBeNull();
      expect((await fetch(new URL('/health/liveliness', gateway.url))).status).toBe(200);
      expect(gateway.logs.some((line) => line.msg === 'unhandled error')).toBe(false);
    }, 120_000);

    it('answers hostile messages on an open legacy SSE session, and the session still works', async () => {
      const session = await openLegacySession(gateway.url);
      try {
        for (const body of hostileBodies()) {
          const hostile: HostileCase = {
            name: `POST legacy messages: ${body.name}`,
            method: 'POST',
            path: session.messagesPath,
            headers: { ...MCP_HEADERS, ...body.headers },
            body: body.body,
            expect: '4xx',
          };
          checkAnswer(hostile, await answer(gateway.url, hostile));
        }
        const init = await answer(gateway.url, {
          name: 'initialize',
          method: 'POST',
          path: session.messagesPath,
          headers: MCP_HEADERS,
          body: initializeBody('2025-06-18'),
          expect: 'answered',
        });
        expect(init.status).toBe(202);
      } finally {
        session.close();
      }
      expect(gateway.child.exitCode).toBeNull();
    });
  });
}

fuzz('embedded');
fuzz('queue');
