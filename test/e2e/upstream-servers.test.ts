import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAlive, processTree } from '../../src/shared/mcp/process-tree.js';
import {
  EVERYTHING_BIN,
  startEverythingServer,
  startHttpMcpServer,
  type EverythingHttpServer,
} from '../helpers/everything-server.js';
import { ROOT, startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import { connectClient, connectWithGetStream, type TransportKind } from '../helpers/mcp-client.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';
import { descendantsRunning } from '../helpers/process-commands.js';
import { freePort } from '../helpers/redis-server.js';

// Upstream MCP servers behind an embedded gateway: the real server-everything over stdio, streamable
// HTTP and SSE, and a small fault server, all driven by the real SDK client.
const FAULT_SERVER = join(ROOT, 'test/fixtures/upstream-fault-server.mjs');
const HEADER_ECHO_SERVER = join(ROOT, 'test/fixtures/header-echo-server.mjs');

function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let http: EverythingHttpServer;
let sse: EverythingHttpServer;
let headerEcho: EverythingHttpServer;
let latePort: number;
let late: EverythingHttpServer | undefined;
let gateway: SpawnedGateway;

beforeAll(async () => {
  [http, sse, headerEcho, latePort] = await Promise.all([
    startEverythingServer('streamableHttp'),
    startEverythingServer('sse'),
    startHttpMcpServer([HEADER_ECHO_SERVER], '/mcp'),
    freePort(),
  ]);
  const config = writeTempConfig(`
mcp_tools:
  - name: echo
    description: A local plugin tool
    input_schema: { type: object, properties: { text: { type: string } } }
    handler: faults.echo
mcp_servers:
  ev_stdio: { transport: stdio, command: ${process.execPath}, args: [${EVERYTHING_BIN}, stdio] }
  ev_http: { url: ${http.url}, allowed_tools: [echo, get-tiny-image, get-sum] }
  ev_sse: { transport: sse, url: ${sse.url}, disallowed_tools: [get-tiny-image] }
  faulty: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}], max_connections: 2 }
  changing: { transport: stdio, command: ${process.execPath}, args: [${FAULT_SERVER}, one-connection], max_connections: 1 }
  late: { url: http://127.0.0.1:${latePort}/mcp }
  locked: { url: http://127.0.0.1:1/mcp, auth_type: oauth2 }
  hdr: { url: ${headerEcho.url}, static_headers: { x-static: fixed }, extra_headers: [X-User-Token] }
`);
  gateway = await startGateway({ config });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([http?.stop(), sse?.stop(), headerEcho?.stop(), late?.stop()]);
});

describe.each<TransportKind>(['streamable-http', 'sse'])(
  'upstream servers through an embedded gateway, over %s',
  (kind) => {
    let client: Client;

    beforeAll(async () => {
      client = await connectClient(gateway.url, kind);
    });

    afterAll(async () => {
      await client?.close();
    });

    it('lists local and upstream tools, prefixed and filtered', async () => {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'echo',
          'ev_stdio-echo',
          'ev_stdio-get-tiny-image',
          'ev_http-echo',
          'ev_http-get-sum',
          'ev_sse-echo',
          'faulty-parent_pid',
        ]),
      );
      expect(names).not.toContain('ev_http-get-env');
      expect(names).not.toContain('ev_sse-get-tiny-image');
      expect(names.some((name) => name.startsWith('locked-'))).toBe(false);
    });

    it.each(['ev_stdio', 'ev_http', 'ev_sse'])('calls a tool of %s', async (server) => {
      const result = await client.callTool({ name: `${server}-echo`, arguments: { message: `hello ${server}` } });
      expect(textOf(result)).toBe(`Echo: hello ${server}`);
    });

    it('passes image content through unchanged', async () => {
      const result = await client.callTool({ name: 'ev_stdio-get-tiny-image', arguments: {} });
      expect(
        (result as CallToolResult).content.some(
          (block) => block.type === 'image' && block.mimeType === 'image/png' && block.data.length > 0,
        ),
      ).toBe(true);
    });

    it('relays an upstream tool’s progress', async () => {
      const updates: Progress[] = [];
      const result = await client.callTool({ name: 'faulty-wait', arguments: { ms: 500 } }, undefined, {
        onprogress: (update) => updates.push(update),
      });
      expect(textOf(result)).toBe('waited 500 ms');
      // Every update, in order. The SDK client dispatches a notification a microtask after a response read
      // with it, so on a loaded machine it may drop the last one (the gateway's gap before the result makes
      // that rare, not impossible); the ones before it always arrive.
      const seen = updates.map((update) => update.progress);
      expect(seen.slice(0, 4)).toEqual([1, 2, 3, 4]);
      expect([
        [1, 2, 3, 4],
        [1, 2, 3, 4, 5],
      ]).toContainEqual(seen);
    });

    it('serves the upstream servers’ resources, resource templates, prompts and completions', async () => {
      expect(client.getServerCapabilities()).toMatchObject({
        resources: { listChanged: true },
        prompts: { listChanged: true },
        completions: {},
      });
      const resources = (await client.listResources()).resources;
      expect(resources.map((resource) => resource.uri)).toContain('demo://resource/static/document/architecture.md');
      const templates = (await client.listResourceTemplates()).resourceTemplates.map(
        (template) => template.uriTemplate,
      );
      expect(templates).toContain('demo://resource/dynamic/text/{resourceId}');

      const read = await client.readResource({ uri: 'demo://resource/dynamic/text/7' });
      expect(read.contents[0]).toMatchObject({ uri: 'demo://resource/dynamic/text/7', mimeType: 'text/plain' });
      expect(JSON.stringify(read.contents)).toContain('7');

      const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
      expect(prompts).toEqual(
        expect.arrayContaining(['ev_stdio-simple-prompt', 'ev_http-args-prompt', 'ev_sse-completable-prompt']),
      );
      const prompt = await client.getPrompt({
        name: 'ev_http-args-prompt',
        arguments: { city: 'Lisbon', state: 'Lisboa' },
      });
      expect(JSON.stringify(prompt.messages)).toContain('Lisbon');

      const completion = await client.complete({
        ref: { type: 'ref/prompt', name: 'ev_stdio-completable-prompt' },
        argument: { name: 'department', value: 'Eng' },
      });
      expect(completion.completion.values).toContain('Engineering');
    });

    it('answers a prompt or resource no server has with a JSON-RPC error', async () => {
      await expect(client.getPrompt({ name: 'ev_stdio-no-such-prompt' })).rejects.toThrow(
        /Unknown prompt: ev_stdio-no-such-prompt/,
      );
      await expect(client.readResource({ uri: 'nowhere://at/all' })).rejects.toThrow(
        /Resource not found: nowhere:\/\/at\/all/,
      );
    });

    it('refuses a tool the filters leave out as unknown', async () => {
      const error = await client
        .callTool({ name: 'ev_http-get-env', arguments: {} })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).message).toMatch(/Unknown tool: ev_http-get-env/);
    });
  },
);

describe('client headers passed upstream', () => {
  /** The headers the upstream saw with one call, made over a session opened with `headers`. */
  async function headersSeen(headers: Record<string, string>): Promise<Record<string, string>> {
    const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', gateway.url), { requestInit: { headers } }));
    try {
      return JSON.parse(textOf(await client.callTool({ name: 'hdr-headers', arguments: {} }))) as Record<
        string,
        string
      >;
    } finally {
      await client.close();
    }
  }

  it('passes extra_headers and x-mcp-{alias}-{header} on, per client, beside the static headers', async () => {
    const [alice, bob] = await Promise.all([
      headersSeen({
        'x-user-token': 'alice-token',
        'x-mcp-hdr-authorization': 'Bearer alice',
        'x-mcp-ev_http-authorization': 'Bearer not-for-hdr',
        'x-other': 'kept-back',
      }),
      headersSeen({ 'x-user-token': 'bob-token' }),
    ]);
    expect(alice).toMatchObject({ 'x-user-token': 'alice-token', authorization: 'Bearer alice', 'x-static': 'fixed' });
    expect(alice['x-other']).toBeUndefined();
    expect(bob).toMatchObject({ 'x-user-token': 'bob-token', 'x-static': 'fixed' });
    expect(bob.authorization).toBeUndefined();
  });

  it('never lets a client set the hop’s own headers', async () => {
    const seen = await headersSeen({ 'x-mcp-hdr-host': 'evil.example', 'x-mcp-hdr-content-length': '1' });
    expect(seen.host).toBe(new URL(headerEcho.url).host);
  });

  it('passes them on the REST route too', async () => {
    const response = await fetch(`${gateway.url}/mcp/call_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-token': 'rest-token' },
      body: JSON.stringify({ name: 'hdr-headers', arguments: {} }),
    });
    expect(JSON.parse(textOf(await response.json()))).toMatchObject({ 'x-user-token': 'rest-token' });
  });
});

describe('narrowed views', () => {
  async function connectTo(path: string, headers: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(path, gateway.url), { requestInit: { headers } }));
    return client;
  }

  it.each(['/mcp/ev_http', '/ev_http/mcp'])('%s serves one server under its own names', async (path) => {
    const client = await connectTo(path);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(names).toEqual(['echo', 'get-sum', 'get-tiny-image']);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'direct' } }))).toBe('Echo: direct');
      for (const outside of ['faulty-parent_pid', 'ev_http-echo', 'get-env']) {
        await expect(client.callTool({ name: outside, arguments: {} })).rejects.toThrow(`Unknown tool: ${outside}`);
      }
      expect((await client.listPrompts()).prompts.map((prompt) => prompt.name).sort()).toEqual([
        'args-prompt',
        'completable-prompt',
        'resource-prompt',
        'simple-prompt',
      ]);
      expect(JSON.stringify((await client.getPrompt({ name: 'simple-prompt' })).messages)).toContain('simple prompt');
      await expect(client.getPrompt({ name: 'ev_http-simple-prompt' })).rejects.toThrow(
        'Unknown prompt: ev_http-simple-prompt',
      );
    } finally {
      await client.close();
    }
  });

  it('narrows /mcp to the servers x-mcp-servers names', async () => {
    const client = await connectTo('/mcp', { 'x-mcp-servers': 'ev_http, faulty' });
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((name) => name.startsWith('ev_http-') || name.startsWith('faulty-'))).toBe(true);
      await expect(client.callTool({ name: 'echo', arguments: { text: 'local' } })).rejects.toThrow(
        'Unknown tool: echo',
      );
      await expect(client.callTool({ name: 'ev_stdio-echo', arguments: { message: 'x' } })).rejects.toThrow(
        'Unknown tool: ev_stdio-echo',
      );
    } finally {
      await client.close();
    }
  });

  it('honours server_id on the REST routes, and answers an unknown server with 404', async () => {
    const listed = (await (await fetch(`${gateway.url}/mcp/list_tools?server_id=faulty`)).json()) as {
      tools: { name: string }[];
    };
    expect(listed.tools.length).toBeGreaterThan(0);
    expect(listed.tools.every((tool) => tool.name.startsWith('faulty-'))).toBe(true);
    const refused = await fetch(`${gateway.url}/mcp/call_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ev_stdio-echo', arguments: { message: 'x' }, server_id: 'faulty' }),
    });
    expect(refused.status).toBe(404);
    expect(
      (
        await fetch(`${gateway.url}/mcp/nosuchserver`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}',
        })
      ).status,
    ).toBe(404);
  });
});

describe('a server whose list changes', () => {
  it('is listed again when it says so, and the sessions hear of it', async () => {
    const { client, streamOpened } = await connectWithGetStream(gateway.url);
    try {
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));
      await streamOpened;
      // One connection: each stdio child is a server of its own, with its own list.
      expect(textOf(await client.callTool({ name: 'changing-add_tool', arguments: { name: 'fresh' } }))).toBe(
        'added fresh',
      );
      // Well before the 30 s refresh: the upstream's list_changed brings it.
      await waitFor(
        async () =>
          (await client.listTools()).tools.some((tool) => tool.name === 'changing-fresh') ? true : undefined,
        'the new tool',
        5_000,
      );
      await waitFor(async () => (changed > 0 ? true : undefined), 'notifications/tools/list_changed', 3_000);
    } finally {
      await client.close();
    }
  });
});

describe('metrics', () => {
  it("logs a stdio server's stderr as records naming the server, never as raw text", async () => {
    const line = await gateway.waitForLog(
      (record) => record.msg === 'upstream server stderr' && /^faulty server \d+ ready$/.test(String(record.stderr)),
    );
    expect(line).toMatchObject({ server: expect.stringMatching(/^(faulty|changing)$/) });
    expect(gateway.stderr()).not.toMatch(/faulty server \d+ ready/);
  });

  it('counts upstream calls by server and outcome', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/toolgate_upstream_calls_total\{server="ev_stdio",outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/toolgate_upstream_calls_total\{server="ev_http",outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/toolgate_upstream_connections_open\{server="ev_stdio"\} [1-4]\b/);
  });
});

describe('cancellation', () => {
  it('reaches the upstream server when the client cancels', async () => {
    const client = await connectClient(gateway.url, 'streamable-http');
    try {
      const marker = join(mkdtempSync(join(tmpdir(), 'toolgate-upstream-')), 'cancelled');
      const controller = new AbortController();
      const call = client
        .callTool({ name: 'faulty-mark_on_cancel', arguments: { marker } }, undefined, { signal: controller.signal })
        .catch(() => 'aborted');
      await waitForMarker(startedMarker(marker));
      controller.abort('changed my mind');
      expect(await call).toBe('aborted');
      await waitFor(async () => (existsSync(marker) ? true : undefined), 'the upstream to see the cancellation', 5_000);
    } finally {
      await client.close();
    }
  });
});

describe('upstream faults', () => {
  it('ends a call whose stdio server dies mid-call with isError naming the server; the next call works', async () => {
    const client = await connectClient(gateway.url, 'streamable-http');
    try {
      const result = await client.callTool({ name: 'faulty-crash_after', arguments: { ms: 200 } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^upstream server "faulty": /);
      expect(textOf(await client.callTool({ name: 'faulty-parent_pid', arguments: {} }))).toBe(
        String(gateway.child.pid),
      );
    } finally {
      await client.close();
    }
  });

  it('starts without an upstream that is down, reports it, and adds its tools when it comes up', async () => {
    const health = (await (await fetch(`${gateway.url}/v1/mcp/server/health`)).json()) as {
      servers: { server: string; status: string; error: string | null }[];
    };
    expect(health.servers.find((server) => server.server === 'late')).toMatchObject({ status: 'unhealthy' });
    expect(health.servers.find((server) => server.server === 'locked')).toMatchObject({
      error: expect.stringMatching(/auth_type "oauth2" is not served/),
    });
    const { client, streamOpened } = await connectWithGetStream(gateway.url);
    try {
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (changed += 1));
      // The standalone GET stream carries notifications outside requests.
      await streamOpened;
      late = await startEverythingServer('streamableHttp', latePort);
      await waitFor(
        async () => ((await client.listTools()).tools.some((tool) => tool.name === 'late-echo') ? true : undefined),
        'the late server’s tools',
      );
      await waitFor(async () => (changed > 0 ? true : undefined), 'notifications/tools/list_changed', 5_000);
      expect(textOf(await client.callTool({ name: 'late-echo', arguments: { message: 'finally' } }))).toBe(
        'Echo: finally',
      );
    } finally {
      await client.close();
    }
  });

  it('keeps stdio children within max_connections, and leaves none behind on shutdown', async () => {
    const faultyChildren = () =>
      descendantsRunning(
        gateway.child.pid!,
        (command) => command.includes('upstream-fault-server') && !command.includes('one-connection'),
      );
    const clients = await Promise.all(Array.from({ length: 8 }, () => connectClient(gateway.url, 'streamable-http')));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, faultyChildren().length)), 50);
    try {
      await Promise.all(
        clients.flatMap((client) =>
          [1, 2, 3].map(() => client.callTool({ name: 'faulty-wait', arguments: { ms: 300 } })),
        ),
      );
    } finally {
      clearInterval(watch);
      await Promise.all(clients.map((client) => client.close()));
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    const tree = processTree(gateway.child.pid!);
    expect(tree.length).toBeGreaterThan(1);
    expect(await gateway.stop()).toBe(0);
    // Killed children may take a moment to be gone.
    await waitFor(async () => (tree.some(isAlive) ? undefined : true), 'the upstream children to exit', 3_000);
  });
});
