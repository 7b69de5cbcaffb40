/**
 * The baseline: a plain `@modelcontextprotocol/sdk` server (McpServer, stateful streamable HTTP on
 * express, as the SDK's examples build it) calling the same handler in-process. Prints its URL.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { cpu_spin, io_wait, noop } from './plugins/bench_tools.ts';

const transports = new Map<string, StreamableHTTPServerTransport>();

function createServer(): McpServer {
  const server = new McpServer({ name: 'baseline', version: '1.0.0' });
  const inputSchema = { text: z.string().optional() };
  for (const [name, handler] of Object.entries({ noop, io_wait, cpu_spin })) {
    server.registerTool(name, { description: `The benchmark's ${name} workload`, inputSchema }, async (args) => ({
      content: [{ type: 'text', text: await handler(args) }],
    }));
  }
  return server;
}

const app = express();
app.use(express.json({ limit: '4mb' }));
app.all('/mcp', async (req, res) => {
  const sessionId = req.get('mcp-session-id');
  let transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport && req.method === 'POST' && isInitializeRequest(req.body)) {
    const created = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void transports.set(id, created),
    });
    await createServer().connect(created);
    transport = created;
  }
  if (!transport) {
    res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'No session' }, id: null });
    return;
  }
  await transport.handleRequest(req, res, req.body);
});

const listener = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}` })}\n`);
});
