import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  type CallToolResult,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type SpawnedGateway } from '../helpers/gateway-process.js';
import { startedMarker, waitForMarker, writtenMarker } from '../helpers/markers.js';
import { connectClient, type TransportKind } from '../helpers/mcp-client.js';

function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join('');
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let gateway: SpawnedGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

describe.each<TransportKind>(['streamable-http', 'sse'])('MCP over %s', (kind) => {
  let client: Client;

  beforeAll(async () => {
    client = await connectClient(gateway.url, kind);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('lists the configured tools with their schemas exactly as configured', async () => {
    const { tools } = await client.listTools();
    const echo = tools.find((tool) => tool.name === 'echo');
    expect(echo).toEqual({
      name: 'echo',
      description: 'Echo the arguments back',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    });
    expect(tools.map((tool) => tool.name)).toContain('wait_for_abort');
  });

  it('calls a tool and returns its result with structured content', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ text: 'hello' });
    expect(JSON.parse(textOf(result))).toEqual({ text: 'hello' });
  });

  it('answers invalid arguments with an isError result the model can read', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { text: 42 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Invalid arguments for tool echo: arguments\/text must be string/);
  });

  it('answers an unknown tool with JSON-RPC -32602', async () => {
    const error = await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((error as McpError).message).toContain('Unknown tool: no_such_tool');
  });

  it('turns a thrown error into isError with the message and no stack', async () => {
    const result = await client.callTool({ name: 'throws', arguments: { message: 'database unreachable' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('database unreachable');
  });

  it('times out a handler that hangs and ignores its signal, while other calls keep working', async () => {
    const hanging = client.callTool({ name: 'hang', arguments: {} });
    const meanwhile = await client.callTool({ name: 'echo', arguments: { text: 'still serving' } });
    expect(meanwhile.structuredContent).toEqual({ text: 'still serving' });
    const result = await hanging;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('timed out after 1000 ms');
  });

  it('terminates a thread that busy-loops past its deadline and keeps serving', async () => {
    const result = await client.callTool({ name: 'spin', arguments: {} });
    expect(textOf(result)).toBe('timed out after 1000 ms');
    const after = await client.callTool({ name: 'echo', arguments: { text: 'after spin' } });
    expect(after.structuredContent).toEqual({ text: 'after spin' });
  });

  it('survives a handler that exhausts its heap', async () => {
    const result = await client.callTool({ name: 'exhaust_memory', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^tool crashed: out of memory/);
    const after = await client.callTool({ name: 'echo', arguments: { text: 'after oom' } });
    expect(after.structuredContent).toEqual({ text: 'after oom' });
  });

  it('sends progress notifications that increase', async () => {
    const updates: Progress[] = [];
    const result = await client.callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, {
      onprogress: (progress) => updates.push(progress),
    });
    expect(textOf(result)).toBe('done in 3 steps');
    expect(updates.map((update) => update.progress)).toEqual([1, 2, 3]);
    expect(updates[2]).toMatchObject({ total: 3, message: 'step 3 of 3' });
  });

  it('forwards tool logs at or above the level the client set', async () => {
    const messages: unknown[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (notification) => void messages.push(notification.params),
    );
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'log_messages', arguments: {} });
    await waitFor(() => messages.length >= 2, 2_000);
    expect(messages).toEqual([
      { level: 'info', logger: 'log_messages', data: { note: 'an info message' } },
      { level: 'error', logger: 'log_messages', data: 'an error message' },
    ]);
  });

  it('cancels a call: the handler sees its signal abort', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'toolgate-cancel-')), 'aborted');
    const controller = new AbortController();
    const call = client.callTool({ name: 'wait_for_abort', arguments: { marker } }, undefined, {
      signal: controller.signal,
    });
    await waitForMarker(startedMarker(marker));
    controller.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitFor(() => writtenMarker(marker) !== undefined, 5_000);
    expect(readFileSync(marker, 'utf8')).toBe('aborted: cancelled');
  });
});

describe('session lifecycle', () => {
  it('cancels the calls of a session that is closed while they run', async () => {
    const client = await connectClient(gateway.url, 'streamable-http');
    const marker = join(mkdtempSync(join(tmpdir(), 'toolgate-delete-')), 'aborted');
    const call = client.callTool({ name: 'wait_for_abort', arguments: { marker } }).catch((error: unknown) => error);
    await waitForMarker(startedMarker(marker));
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await waitFor(() => writtenMarker(marker) !== undefined, 5_000);
    expect(readFileSync(marker, 'utf8')).toBe('aborted: cancelled');
    await client.close();
    await call;
  });
});

describe('thread faults', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectClient(gateway.url, 'streamable-http');
  });

  afterAll(async () => {
    await client?.close();
  });

  it.each(['exit_process', 'async_throw'])('reports %s as a crash and keeps serving', async (name) => {
    const result = await client.callTool({ name, arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^tool crashed: /);
    const after = await client.callTool({ name: 'echo', arguments: { text: name } });
    expect(after.structuredContent).toEqual({ text: name });
  });

  it('refuses a result over max_result_bytes', async () => {
    const result = await client.callTool({ name: 'huge_output', arguments: { bytes: 200_000 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^result too large: \d+ bytes, limit 100000$/);
  });
});
