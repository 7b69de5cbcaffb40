import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import { initializeBody, MCP_HEADERS, rawRequest, sseMessages } from '../helpers/http.js';
import { connectClient } from '../helpers/mcp-client.js';

let gateway: SpawnedGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

describe('REST tool routes', () => {
  it.each(['/mcp/list_tools', '/mcp/tools/list', '/mcp-rest/tools/list'])(
    'GET %s lists tools in LiteLLM’s shape',
    async (path) => {
      const response = await fetch(new URL(path, gateway.url));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        tools: { name: string; inputSchema: unknown }[];
        error: unknown;
        message: string;
      };
      expect(body.error).toBeNull();
      expect(body.tools.find((tool) => tool.name === 'echo')?.inputSchema).toEqual({
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
      });
    },
  );

  it.each(['/mcp/call_tool', '/mcp/tools/call', '/mcp-rest/tools/call'])('POST %s calls a tool', async (path) => {
    const response = await fetch(new URL(path, gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'echo', arguments: { text: 'via rest' } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      content: [{ type: 'text', text: '{"text":"via rest"}' }],
      structuredContent: { text: 'via rest' },
    });
  });

  it('answers an unknown tool with 404, a missing name with 400 and bad arguments with an isError 200', async () => {
    const call = (body: unknown) =>
      fetch(new URL('/mcp/call_tool', gateway.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknown = await call({ name: 'nope', arguments: {} });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('Unknown tool: nope');
    const missing = await call({ arguments: {} });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const invalid = await call({ name: 'echo', arguments: { text: 1 } });
    expect(invalid.status).toBe(200);
    expect(((await invalid.json()) as { isError: boolean }).isError).toBe(true);
  });

  it('answers malformed JSON with an OpenAI-style 400', async () => {
    const response = await rawRequest(new URL('/mcp/call_tool', gateway.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'parse_error' } });
  });
});

describe('MCP transport rules', () => {
  it('answers malformed JSON on /mcp with JSON-RPC -32700', async () => {
    const response = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: '{"jsonrpc": "2.0", "id": 1,',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  it('answers a body over max_request_bytes with 413', async () => {
    const body = JSON.stringify({ name: 'echo', arguments: { text: 'x'.repeat(70_000) } });
    const rest = await rawRequest(new URL('/mcp/call_tool', gateway.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(rest.status).toBe(413);
    const mcp = await rawRequest(new URL('/mcp', gateway.url).href, { method: 'POST', headers: MCP_HEADERS, body });
    expect(mcp.status).toBe(413);
    expect(JSON.parse(mcp.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { message: 'Request body too large: limit is 65536 bytes' },
    });
  });

  it('refuses a Host that is not localhost while bound to loopback', async () => {
    const response = await rawRequest(new URL('/mcp/list_tools', gateway.url).href, {
      headers: { host: 'evil.example' },
    });
    expect(response.status).toBe(403);
  });

  it('refuses a foreign Origin and allows localhost origins with CORS headers', async () => {
    const evil = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'http://evil.example' },
      body: initializeBody('2025-06-18'),
    });
    expect(evil.status).toBe(403);
    const preflight = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:6274');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('mcp-session-id');
  });

  it('answers an initialize asking for an unknown future version with 2025-11-25', async () => {
    const response = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody('2026-07-28'),
    });
    expect(response.status).toBe(200);
    expect(response.headers['mcp-session-id']).toEqual(expect.any(String));
    expect(response.headers['content-type']).toContain('text/event-stream');
    const [message] = sseMessages(response.body);
    expect(message).toMatchObject({
      id: 1,
      result: { protocolVersion: '2025-11-25', serverInfo: { name: 'toolgate' } },
    });
  });

  it('answers a request naming an unsupported MCP-Protocol-Version with 400 -32000', async () => {
    const init = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody('2025-06-18'),
    });
    const sessionId = String(init.headers['mcp-session-id']);
    const response = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '1999-01-01' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: -32000, message: expect.stringContaining('2025-11-25') },
    });
  });

  it('requires a session id after initialize, and answers an unknown one with 404', async () => {
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const missing = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: list,
    });
    expect(missing.status).toBe(400);
    const unknown = await rawRequest(new URL('/mcp', gateway.url).href, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: list,
    });
    expect(unknown.status).toBe(404);
    const legacy = await rawRequest(new URL('/mcp/messages?sessionId=no-such-session', gateway.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: list,
    });
    expect(legacy.status).toBe(404);
  });

  it('answers POST on the legacy SSE paths with 405 and Allow: GET', async () => {
    for (const path of ['/sse', '/mcp/sse']) {
      const response = await rawRequest(new URL(path, gateway.url).href, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody('2025-06-18'),
      });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET');
    }
  });

  it('opens a legacy SSE session on GET without a session id, announcing a relative endpoint', async () => {
    for (const path of ['/mcp/', '/mcp', '/sse', '/mcp/sse']) {
      const response = await rawRequest(new URL(path, gateway.url).href, {
        headers: { accept: 'text/event-stream' },
        untilBody: /data: .*\n\n/,
      });
      expect(response.status).toBe(200);
      expect(response.headers['x-accel-buffering']).toBe('no');
      expect(response.headers['cache-control']).toContain('no-cache');
      expect(response.body).toMatch(/^event: endpoint\ndata: \/mcp\/messages\?sessionId=[0-9a-f-]{36}\n\n/);
    }
  });

  it('serves health without auth', async () => {
    expect((await fetch(new URL('/health/liveliness', gateway.url))).status).toBe(200);
    expect((await fetch(new URL('/health/liveness', gateway.url))).status).toBe(200);
    const readiness = await fetch(new URL('/health/readiness', gateway.url));
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toMatchObject({ status: 'ok', mode: 'embedded' });
  });
});

describe('master_key auth', () => {
  let secured: SpawnedGateway;
  const key = 'sk-test-master-key';

  beforeAll(async () => {
    const config = writeTempConfig(`
mcp_tools:
  - name: echo
    description: Echo
    input_schema: { type: object }
    handler: faults.echo
general_settings:
  master_key: os.environ/TEST_MASTER_KEY
`);
    secured = await startGateway({ config, env: { TEST_MASTER_KEY: key } });
  });

  afterAll(async () => {
    await secured?.stop();
  });

  it('refuses requests without the key: JSON-RPC on MCP routes, OpenAI-style elsewhere', async () => {
    const mcp = await rawRequest(new URL('/mcp', secured.url).href, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody('2025-06-18'),
    });
    expect(mcp.status).toBe(401);
    expect(JSON.parse(mcp.body)).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    const rest = await fetch(new URL('/mcp/list_tools', secured.url), { headers: { authorization: 'Bearer wrong' } });
    expect(rest.status).toBe(401);
    expect(await rest.json()).toMatchObject({ error: { type: 'authentication_error', message: 'Invalid API key' } });
    expect((await fetch(new URL('/health/liveliness', secured.url))).status).toBe(200);
  });

  it.each<Record<string, string>>([
    { authorization: `Bearer ${key}` },
    { 'x-litellm-api-key': key },
    { 'x-api-key': key },
  ])('accepts the key as %o', async (headers) => {
    const response = await fetch(new URL('/mcp/list_tools', secured.url), { headers });
    expect(response.status).toBe(200);
  });

  it('lets an SDK client with the key in its headers list and call tools', async () => {
    for (const kind of ['streamable-http', 'sse'] as const) {
      const client = await connectClient(secured.url, kind, { authorization: `Bearer ${key}` });
      const result = await client.callTool({ name: 'echo', arguments: { via: kind } });
      expect(result.structuredContent).toEqual({ via: kind });
      await client.close();
    }
  });
});
