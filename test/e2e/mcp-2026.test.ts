import { Client as ModernClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { ECHO_TOOL } from '../helpers/fixture-tools.js';
import {
  E2E_CONFIG,
  ROOT,
  writeTempConfig,
  type SpawnedGateway,
  type SpawnedProcess,
} from '../helpers/gateway-process.js';
import { MCP_HEADERS, rawRequest } from '../helpers/http.js';
import { connectClient } from '../helpers/mcp-client.js';
import { startGatewayInMode } from '../helpers/queue-cluster.js';

// MCP 2026-07-28 (stateless, one request at a time) beside 2025-11-25 sessions on one endpoint, with the
// SDK v2 client negotiating the era as any client of that revision does.
async function connectModern(gatewayUrl: string): Promise<ModernClient> {
  const client = new ModernClient({ name: 'modern-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', gatewayUrl)));
  return client;
}

describe.each([
  ['embedded', undefined],
  ['queue mode', inject('redisUrl')],
])('MCP 2026-07-28, %s', (_mode, redisUrl) => {
  let gateway: SpawnedGateway;
  let processes: SpawnedProcess[] = [];

  beforeAll(async () => {
    ({ gateway, processes } = await startGatewayInMode(E2E_CONFIG, redisUrl));
  });

  afterAll(async () => {
    await Promise.all(processes.map((each) => each.stop()));
  });

  it('is chosen by a 2026 client, which lists tools with caching hints and calls them with progress', async () => {
    const client = await connectModern(gateway.url);
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const listed = await client.listTools();
      expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'progress']));
      expect(listed).toMatchObject({ ttlMs: expect.any(Number), cacheScope: 'public' });
      expect((await client.callTool({ name: 'echo', arguments: { text: 'stateless' } })).structuredContent).toEqual({
        text: 'stateless',
      });
      const updates: number[] = [];
      const result = await client.callTool(
        { name: 'progress', arguments: { steps: 3 } },
        { onprogress: (progress) => updates.push(progress.progress) },
      );
      expect(result.content).toEqual([{ type: 'text', text: 'done in 3 steps' }]);
      expect(updates).toEqual([1, 2, 3]);
      const failed = await client.callTool({ name: 'echo', arguments: {} });
      expect(failed.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('serves a 2025 session client at the same time, on the same endpoint', async () => {
    const [modern, legacy] = await Promise.all([
      connectModern(gateway.url),
      connectClient(gateway.url, 'streamable-http'),
    ]);
    try {
      const [fromModern, fromLegacy] = await Promise.all([
        modern.callTool({ name: 'echo', arguments: { text: '2026' } }),
        legacy.callTool({ name: 'echo', arguments: { text: '2025' } }),
      ]);
      expect(fromModern.structuredContent).toEqual({ text: '2026' });
      expect(fromLegacy.structuredContent).toEqual({ text: '2025' });
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
    }
  });

  it('refuses a request whose routing headers disagree with its body (-32020) and an unknown version (-32022)', async () => {
    const envelope = (version: string) => ({
      'io.modelcontextprotocol/protocolVersion': version,
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    });
    const send = (headers: Record<string, string>, version: string) =>
      rawRequest(`${gateway.url}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...headers },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 5,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'x' }, _meta: envelope(version) },
        }),
      });
    const mismatched = await send(
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'not-echo' },
      '2026-07-28',
    );
    expect(mismatched.status).toBe(400);
    expect(JSON.parse(mismatched.body)).toMatchObject({ id: 5, error: { code: -32020 } });
    const unknownVersion = await send(
      { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      '2099-01-01',
    );
    expect(unknownVersion.status).toBe(400);
    expect(JSON.parse(unknownVersion.body)).toMatchObject({
      id: 5,
      error: { code: -32022, data: { supported: expect.arrayContaining(['2026-07-28']) } },
    });
  });
});

describe.each([
  ['embedded', undefined],
  ['queue mode', inject('redisUrl')],
])('subscriptions/listen, %s', (_mode, redisUrl) => {
  const FAULT_SERVER = join(ROOT, 'test/fixtures/upstream-fault-server.mjs');
  let processes: SpawnedProcess[] = [];
  let gateway: SpawnedGateway;

  beforeAll(async () => {
    const config = writeTempConfig(`
mcp_tools:
${ECHO_TOOL}
mcp_servers:
  changing: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}, one-connection], max_connections: 1 }
`);
    ({ gateway, processes } = await startGatewayInMode(config, redisUrl));
  });

  afterAll(async () => {
    await Promise.all(processes.map((each) => each.stop()));
  });

  it("carries a list change an upstream server makes to a 2026 client's listen stream", async () => {
    const client = await connectModern(gateway.url);
    try {
      const until = Date.now() + 20_000;
      while (!(await client.listTools()).tools.some((tool) => tool.name === 'changing-add_tool')) {
        if (Date.now() > until) throw new Error('the upstream server was never listed');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      let changed = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => void (changed += 1));
      const subscription = await client.listen({ toolsListChanged: true });
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
      await client.callTool({ name: 'changing-add_tool', arguments: { name: 'fresh' } });
      for (const deadline = Date.now() + 15_000; changed === 0;) {
        if (Date.now() > deadline) throw new Error('no notifications/tools/list_changed on the listen stream');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('changing-fresh');
      await subscription.close();
    } finally {
      await client.close();
    }
  });
});
