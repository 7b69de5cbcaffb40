import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnToolgate, type SpawnedGateway } from '../helpers/gateway-process.js';
import { connectClient } from '../helpers/mcp-client.js';

// The README's quick start: the example config and plugins, no Redis, no API key.
let gateway: SpawnedGateway;

beforeAll(async () => {
  const spawned = spawnToolgate(['--config', `${ROOT}/config/config.yaml`, '--port', '0'], {
    REDIS_URL: undefined,
    PLUGINS_DIR: undefined,
    OPENAI_API_KEY: undefined,
  });
  const listening = await spawned.waitForLog((line) => line.msg === 'toolgate gateway listening');
  gateway = { ...spawned, url: String(listening.url) };
});

afterAll(async () => {
  await gateway?.stop();
});

describe('the example config', () => {
  it.each(['streamable-http', 'sse'] as const)('serves get_current_time over %s', async (kind) => {
    const client = await connectClient(gateway.url, kind);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['get_current_time', 'calculate', 'hash_text', 'generate_uuid', 'count_words', 'slugify']),
    );
    const result = await client.callTool({ name: 'get_current_time', arguments: { format: 'short' } });
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^\d{2}:\d{2}$/) }]);
    await client.close();
  });

  it('answers REST calls as curl would make them', async () => {
    const response = await fetch(`${gateway.url}/mcp/call_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'calculate', arguments: { expression: '(2 + 3) * 4' } }),
    });
    expect(await response.json()).toMatchObject({ structuredContent: { result: 20 } });
  });

  it('serves the demo chat model without any API key', async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'anything', maxRetries: 0 });
    const response = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(response.choices[0]?.message.content).toBe("Hello from toolgate's demo model.");
  });
});
