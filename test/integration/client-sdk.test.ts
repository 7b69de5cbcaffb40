import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completion,
  createMcpClient,
  httpTransport,
  sseTransport,
  stdioTransport,
  type McpClient,
  type McpTransportSpec,
} from '../../src/index.js';
import { isAlive } from '../../src/shared/mcp/process-tree.js';
import { EVERYTHING_BIN, startEverythingServer, type EverythingHttpServer } from '../helpers/everything-server.js';
import { ROOT, startGateway, type SpawnedGateway } from '../helpers/gateway-process.js';
import { completionBody, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

function textOf(result: { content?: unknown[] }): string {
  return (result.content ?? [])
    .map((block) => ((block as { type: string }).type === 'text' ? (block as { text: string }).text : ''))
    .join('');
}

describe('against @modelcontextprotocol/server-everything', () => {
  const servers: EverythingHttpServer[] = [];
  const transports: Record<string, () => McpTransportSpec> = {};

  beforeAll(async () => {
    const [sse, http] = await Promise.all([startEverythingServer('sse'), startEverythingServer('streamableHttp')]);
    servers.push(sse, http);
    transports.stdio = () => stdioTransport({ command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] });
    transports.sse = () => sseTransport(sse.url);
    transports.http = () => httpTransport(http.url);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  describe.each(['stdio', 'sse', 'http'])('over %s', (kind) => {
    let client: McpClient;

    beforeAll(async () => {
      client = await createMcpClient({ transport: transports[kind]!() });
    });

    afterAll(async () => {
      await client?.close();
    });

    it('lists tools in MCP and OpenAI formats', async () => {
      const mcpTools = await client.listTools();
      expect(mcpTools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
      const openAiTools = await client.listTools({ format: 'openai' });
      const echo = openAiTools.find((tool) => tool.function.name === 'echo');
      expect(echo).toMatchObject({
        type: 'function',
        function: {
          description: 'Echoes back the input string',
          strict: false,
          parameters: { type: 'object', properties: { message: { type: 'string' } } },
        },
      });
    });

    it('calls a tool, and an OpenAI tool call with arguments as a model writes them', async () => {
      expect(textOf(await client.callTool('echo', { message: 'hi' }))).toBe('Echo: hi');
      const result = await client.callOpenAITool({
        id: 'call_1',
        type: 'function',
        function: { name: 'get-sum', arguments: '{"a": 2, "b": 3}' },
      });
      expect(textOf(result)).toContain('5');
      expect(client.toToolMessage({ id: 'call_1' }, result)).toEqual({
        role: 'tool',
        tool_call_id: 'call_1',
        content: textOf(result),
      });
    });

    it('returns failures inside a tool as error results', async () => {
      const result = await client.callTool('get-sum', { a: 'not a number' });
      expect(result.isError).toBe(true);
    });

    it('times out a slow call', async () => {
      const error = await client
        .callTool('trigger-long-running-operation', { duration: 5, steps: 5 }, { timeoutMs: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).message).toMatch(/timed out/i);
    });
  });
});

describe('against the toolgate gateway', () => {
  let gateway: SpawnedGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it.each([
    ['http', (url: string) => httpTransport(`${url}/mcp`)],
    ['sse', (url: string) => sseTransport(`${url}/mcp/`)],
  ] as const)('lists, calls, reports errors and times out over %s', async (_kind, transport) => {
    const client = await createMcpClient({ transport: transport(gateway.url) });
    try {
      expect((await client.listTools({ format: 'openai' })).map((tool) => tool.function.name)).toContain('echo');
      expect((await client.callTool('echo', { text: 'sdk' })).structuredContent).toEqual({ text: 'sdk' });
      expect(await client.callTool('throws', { message: 'nope' })).toEqual({
        content: [{ type: 'text', text: 'nope' }],
        isError: true,
      });
      await expect(client.callTool('sleep', { ms: 3000 }, { timeoutMs: 200 })).rejects.toThrow(/timed out/i);
    } finally {
      await client.close();
    }
  });
});

describe('stdio lifecycle', () => {
  it('leaves no process behind after close, even when the server ignores EOF and SIGTERM', async () => {
    const client = await createMcpClient({
      transport: stdioTransport({
        command: process.execPath,
        args: [join(ROOT, 'test/fixtures/stdio-server-ignoring-eof.mjs')],
        cwd: ROOT,
      }),
    });
    const serverPid = client.pid!;
    const grandchildPid = Number(textOf(await client.callTool('grandchild_pid')));
    expect(isAlive(serverPid)).toBe(true);
    expect(isAlive(grandchildPid)).toBe(true);
    await client.close();
    expect(isAlive(serverPid)).toBe(false);
    expect(isAlive(grandchildPid)).toBe(false);
  }, 20_000);
});

describe('a full tool loop', () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    // The model asks for get-sum, then answers with what the tool returned.
    upstream = await startMockUpstream((_path, body) => {
      const messages = body.messages as { role: string; content?: string }[];
      const toolMessage = messages.find((message) => message.role === 'tool');
      if (toolMessage) return { status: 200, json: completionBody(`The tool says: ${toolMessage.content}`) };
      return {
        status: 200,
        json: completionBody('', 'upstream-model', {
          content: null,
          tool_calls: [{ id: 'call_sum', type: 'function', function: { name: 'get-sum', arguments: '{"a":2,"b":3}' } }],
        }),
      };
    });
  });

  afterAll(async () => {
    await upstream?.close();
  });

  it('hands MCP tools to the model, runs its tool call and returns the answer', async () => {
    const client = await createMcpClient({
      transport: stdioTransport({ command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] }),
    });
    try {
      const tools = await client.listTools({ format: 'openai' });
      const messages: Parameters<typeof completion>[0]['messages'] = [{ role: 'user', content: 'What is 2 + 3?' }];
      const first = await completion({
        model: 'openai/gpt-4o',
        apiBase: `${upstream.url}/v1`,
        apiKey: 'sk-test',
        tools,
        messages,
      });
      const assistant = first.choices[0]!.message;
      messages.push(assistant);
      for (const call of assistant.tool_calls ?? []) {
        if (call.type === 'function') messages.push(client.toToolMessage(call, await client.callOpenAITool(call)));
      }
      const final = await completion({
        model: 'openai/gpt-4o',
        apiBase: `${upstream.url}/v1`,
        apiKey: 'sk-test',
        tools,
        messages,
      });

      expect(upstream.requests).toHaveLength(2);
      expect(upstream.requests[0]?.body).toMatchObject({
        model: 'gpt-4o',
        tools: expect.arrayContaining([
          expect.objectContaining({ function: expect.objectContaining({ name: 'get-sum' }) }),
        ]),
      });
      const toolMessage = (
        upstream.requests[1]?.body.messages as { role: string; tool_call_id?: string; content?: string }[]
      ).find((message) => message.role === 'tool');
      expect(toolMessage).toMatchObject({ tool_call_id: 'call_sum', content: expect.stringContaining('5') });
      expect(final.text).toBe(`The tool says: ${toolMessage?.content}`);
    } finally {
      await client.close();
    }
  });

  it('answers mock responses locally and reaches a gateway through baseURL', async () => {
    expect(
      (await completion({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], mockResponse: 'mocked' })).text,
    ).toBe('mocked');
    const viaGateway = await completion({
      model: 'gpt-4o',
      baseURL: `${upstream.url}/v1`,
      apiKey: 'sk-gateway',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(upstream.requests.at(-1)?.body.model).toBe('gpt-4o');
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-gateway');
    expect(viaGateway.choices[0]?.message.tool_calls?.[0]?.id).toBe('call_sum');
  });
});
