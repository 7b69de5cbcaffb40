import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type SpawnedGateway } from '../helpers/gateway-process.js';
import { initializeBody, MCP_HEADERS, rawRequest } from '../helpers/http.js';

// Requests a careless or hostile client sends on the streamable HTTP endpoint, answered as the
// protocol says, without an internal error.
let gateway: SpawnedGateway;
let sessionId: string;

beforeAll(async () => {
  gateway = await startGateway();
  const opened = await fetch(`${gateway.url}/mcp`, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: initializeBody('2025-06-18'),
  });
  sessionId = opened.headers.get('mcp-session-id')!;
  expect(sessionId).toBeTruthy();
});

afterAll(async () => {
  await gateway?.stop();
});

const onSession = (extra: Record<string, string> = {}) => ({
  ...MCP_HEADERS,
  'mcp-session-id': sessionId,
  'mcp-protocol-version': '2025-06-18',
  ...extra,
});

describe('streamable HTTP edges', () => {
  it('refuses a second initialize on a session, alone or in a batch', async () => {
    for (const body of [initializeBody('2025-06-18'), `[${initializeBody('2025-06-18')}]`]) {
      const again = await fetch(`${gateway.url}/mcp`, { method: 'POST', headers: onSession(), body });
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({
        error: { code: -32600, message: expect.stringMatching(/already initialized/) },
      });
    }
  });

  it('refuses a request with an unsupported MCP-Protocol-Version, and the session lives on', async () => {
    const deleted = await fetch(`${gateway.url}/mcp`, {
      method: 'DELETE',
      headers: onSession({ 'mcp-protocol-version': 'not-a-version' }),
    });
    expect(deleted.status).toBe(400);
    expect(await deleted.text()).toMatch(/unsupported MCP-Protocol-Version not-a-version/);
    const listed = await fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: onSession(),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(listed.status).toBe(200);
  });

  it('answers a path whose percent-encoding does not decode with 400', async () => {
    const malformed = await rawRequest(`${gateway.url}/mcp/%E0%A4%A`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatch(/Malformed URL/);
    expect(gateway.logs.some((line) => line.msg === 'unhandled error')).toBe(false);
  });
});
