import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type SpawnedGateway } from '../helpers/gateway-process.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';
import { connectClient, type TransportKind } from '../helpers/mcp-client.js';

// A client that goes away mid-call: a legacy SSE session ends with its stream, so nothing could receive
// the results and its calls are cancelled; on streamable HTTP (and REST) a disconnect is not a
// cancellation, and the call runs on to its end.
let gateway: SpawnedGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.stop();
});

function newMarker(): string {
  return join(mkdtempSync(join(tmpdir(), 'toolgate-disconnect-')), 'outcome');
}

describe('a client that disconnects mid-call', () => {
  it.each<[TransportKind, string]>([
    ['sse', 'aborted: cancelled'],
    ['streamable-http', 'completed'],
  ])('over %s: the call ends as %s', async (kind, expected) => {
    const client = await connectClient(gateway.url, kind);
    const marker = newMarker();
    const call = client.callTool({ name: 'mark_after', arguments: { marker, ms: 1_500 } }).catch(() => 'dropped');
    await waitForMarker(startedMarker(marker));
    await client.close();
    expect(await call).toBe('dropped');
    expect(await waitForMarker(marker)).toBe(expected);
  });

  it('over REST: the call runs to its end', async () => {
    const marker = newMarker();
    const controller = new AbortController();
    const call = fetch(new URL('/mcp/call_tool', gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mark_after', arguments: { marker, ms: 1_500 } }),
      signal: controller.signal,
    }).catch(() => 'dropped');
    await waitForMarker(startedMarker(marker));
    controller.abort();
    expect(await call).toBe('dropped');
    expect(await waitForMarker(marker)).toBe('completed');
  });
});
