import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type SpawnedGateway } from '../helpers/gateway-process.js';

let gateway: SpawnedGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  // Ends the gateway even when an assertion failed before the test stopped it.
  await gateway?.stop('SIGKILL');
});

it('answers in-flight calls on SIGTERM, then exits and refuses new connections', async () => {
  const inFlight = fetch(new URL('/mcp/call_tool', gateway.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'announce_and_sleep', arguments: { ms: 1_000 } }),
  });
  await gateway.waitForLog((line) => line.msg === 'tool log' && line.tool === 'announce_and_sleep');
  const exited = gateway.stop('SIGTERM');
  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(((await response.json()) as { content: { text: string }[] }).content[0]?.text).toBe('slept 1000 ms');
  expect(await exited).toBe(0);
  await expect(fetch(new URL('/health/liveliness', gateway.url))).rejects.toThrow();
});
