import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import {
  ROOT,
  startGateway,
  writeTempConfig,
  type SpawnedGateway,
  type SpawnedProcess,
} from '../helpers/gateway-process.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { QUEUE_CONFIG, queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// Queue mode with an OTLP receiver standing in for a collector: one tools/call is one trace, from the
// gateway's request span through the queue to the worker's plugin span.
// The queue fixture's tools, and an upstream server.
const CONFIG = writeTempConfig(`${readFileSync(QUEUE_CONFIG, 'utf8')}
mcp_servers:
  faulty: { transport: stdio, command: ${process.execPath}, args: [${join(ROOT, 'test/fixtures/upstream-fault-server.mjs')}] }
`);
let receiver: OtlpReceiver;
let gateway: SpawnedGateway;
let worker: SpawnedProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const env = {
    ...queueEnv(inject('redisUrl')),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  [gateway, worker] = await Promise.all([startQueueGateway(env, CONFIG), startWorker(env, CONFIG)]);
  await waitForWorkers(gateway, 1);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  await receiver?.close();
});

async function connect(traceparent: string): Promise<Client> {
  const client = new Client({ name: 'traced-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', gateway.url), { requestInit: { headers: { traceparent } } }),
  );
  return client;
}

async function spansOf(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    if (done(spans)) return spans;
    if (Date.now() > until)
      throw new Error(
        `the trace never completed; spans so far: ${spans.map((span) => `${span.service}:${span.name}`).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it("makes one trace of a tools/call, gateway to worker to plugin, continuing the client's traceparent", async () => {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const client = await connect(`00-${traceId}-${clientSpanId}-01`);
  try {
    await client.callTool({ name: 'echo', arguments: { text: 'traced' } });
  } finally {
    await client.close();
  }

  const spans = await spansOf(traceId, (found) => found.some((span) => span.name === 'plugin echo'));
  const named = (name: string) => {
    const span = spans.find((candidate) => candidate.name === name);
    if (!span) throw new Error(`no span ${name} among ${spans.map((candidate) => candidate.name).join(', ')}`);
    return span;
  };
  const call = named('tools/call echo');
  const request = spans.find((span) => span.spanId === call.parentSpanId)!;
  const wait = named('queue call_tool');
  const job = named('process call_tool');
  const plugin = named('plugin echo');

  // Parent to child: the client's span, the request, the MCP method, the queue wait, the job, the plugin.
  expect(request).toMatchObject({ name: 'POST /mcp', parentSpanId: clientSpanId, service: 'toolgate-gateway' });
  expect(wait.parentSpanId).toBe(call.spanId);
  expect(job.parentSpanId).toBe(wait.spanId);
  expect(plugin.parentSpanId).toBe(job.spanId);
  expect([call, wait].map((span) => span.service)).toEqual(['toolgate-gateway', 'toolgate-gateway']);
  expect([job, plugin].map((span) => span.service)).toEqual(['toolgate-worker', 'toolgate-worker']);
  expect(job.instanceId).not.toBe(call.instanceId);
  // The tool's name and outcome, on both sides.
  expect(call.attributes).toMatchObject({
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': 'echo',
    'toolgate.tool.outcome': 'success',
  });
  expect(job.attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'toolgate.tool.outcome': 'success' });
  expect(plugin.attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'toolgate.tool.outcome': 'success' });
  // The gateway's log line for the call names the trace.
  expect(await gateway.waitForLog((line) => line.msg === 'tool call' && line.tool === 'echo')).toMatchObject({
    traceId,
  });
});

it("puts the worker's call of an upstream MCP server in the trace", async () => {
  const traceId = randomBytes(16).toString('hex');
  const client = await connect(`00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  try {
    const until = Date.now() + 15_000;
    while (!(await client.listTools()).tools.some((tool) => tool.name === 'faulty-own_pid')) {
      if (Date.now() > until) throw new Error('the gateway never listed the upstream tools');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await client.callTool({ name: 'faulty-own_pid', arguments: {} });
  } finally {
    await client.close();
  }
  const spans = await spansOf(traceId, (found) => found.some((span) => span.name === 'upstream faulty'));
  const upstream = spans.find((span) => span.name === 'upstream faulty')!;
  const job = spans.find((span) => span.spanId === upstream.parentSpanId)!;
  expect(job).toMatchObject({ name: 'process call_tool_upstream', service: 'toolgate-worker' });
  expect(upstream.attributes).toMatchObject({
    'gen_ai.tool.name': 'faulty-own_pid',
    'toolgate.tool.outcome': 'success',
  });
  expect(spans.find((span) => span.name === 'tools/call faulty-own_pid')?.attributes).toMatchObject({
    'toolgate.upstream.server': 'faulty',
    'toolgate.tool.outcome': 'success',
  });
});

it('starts no exporter when no OTLP variable is set', async () => {
  const plain = await startGateway({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined },
  });
  try {
    expect((await plain.waitForLog((line) => line.msg === 'toolgate gateway listening')).tracing).toBe(false);
    const response = await fetch(`${plain.url}/mcp/call_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'echo', arguments: { text: 'x' } }),
    });
    expect(response.status).toBe(200);
    expect((await plain.waitForLog((line) => line.msg === 'tool call')).traceId).toBeUndefined();
  } finally {
    await plain.stop();
  }
});
