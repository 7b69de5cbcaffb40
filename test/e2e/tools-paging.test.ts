import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, writeTempConfig, type SpawnedGateway } from '../helpers/gateway-process.js';
import { connectClient } from '../helpers/mcp-client.js';

// A catalog past one page of tools/list: 1,500 tools declared by one plugin module.
let gateway: SpawnedGateway;

beforeAll(async () => {
  const plugins = mkdtempSync(join(tmpdir(), 'toolgate-paging-'));
  writeFileSync(join(plugins, 'package.json'), '{ "type": "module" }');
  writeFileSync(
    join(plugins, 'many.js'),
    'export const tools = Array.from({ length: 1500 }, (_, i) => ({ name: `tool_${i}`, handler: () => String(i) }));\n',
  );
  gateway = await startGateway({ config: writeTempConfig('mcp_tools: []'), env: { PLUGINS_DIR: plugins } });
});

afterAll(async () => {
  await gateway?.stop();
});

it('pages tools/list with nextCursor, and refuses a cursor it did not issue', async () => {
  const client = await connectClient(gateway.url, 'streamable-http');
  try {
    const first = await client.listTools();
    expect(first.tools).toHaveLength(1000);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.listTools({ cursor: first.nextCursor });
    expect(second.tools).toHaveLength(500);
    expect(second.nextCursor).toBeUndefined();
    expect(new Set([...first.tools, ...second.tools].map((tool) => tool.name)).size).toBe(1500);
    const refused = await client.listTools({ cursor: 'not-ours' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).message).toMatch(/Invalid cursor/);
  } finally {
    await client.close();
  }
});
