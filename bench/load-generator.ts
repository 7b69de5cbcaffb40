/**
 * The load generator, run in a process of its own so that it does not share an event loop with what it
 * measures. Each of `concurrency` virtual clients sends its request in a loop for `durationMs` (after a
 * warm-up) over a keep-alive connection, reading every response to its end (SSE streams included).
 *
 * Input: one JSON argument (`LoadSpec`). Output: one JSON line (`LoadResult`) on stdout.
 */
import { Agent, request } from 'node:http';

export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Open an MCP streamable HTTP session per client first, and send its id with every request. */
  readonly mcpSession?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'toolgate-bench', version: '1.0.0' } },
});

function send(
  agent: Agent,
  spec: LoadSpec,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(spec.url, { method: spec.method, headers, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function openSession(agent: Agent, spec: LoadSpec): Promise<Record<string, string>> {
  const base = { ...spec.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await send(agent, { ...spec, method: 'POST' }, base, INITIALIZE);
  const sessionId = init.headers['mcp-session-id'];
  if (typeof sessionId !== 'string') throw new Error(`initialize answered ${init.status} without a session id`);
  const withSession = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
  await send(
    agent,
    { ...spec, method: 'POST' },
    withSession,
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  return withSession;
}

interface LoadClient {
  readonly agent: Agent;
  readonly headers: Record<string, string>;
}

async function openClient(spec: LoadSpec): Promise<LoadClient> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return { agent, headers: spec.mcpSession ? await openSession(agent, spec) : spec.headers };
}

async function drive(
  { agent, headers }: LoadClient,
  spec: LoadSpec,
  measureFrom: number,
  until: number,
  latencies: number[],
  counters: { errors: number },
): Promise<void> {
  for (let id = 1; Date.now() < until; id += 1) {
    const body = spec.body?.replace('"id":1', `"id":${id}`);
    const started = performance.now();
    try {
      const { status } = await send(agent, spec, headers, body);
      if (status >= 400) counters.errors += 1;
    } catch {
      counters.errors += 1;
    }
    if (Date.now() >= measureFrom) latencies.push(performance.now() - started);
  }
  agent.destroy();
}

function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  // Sessions open before the clock starts: a server that starts a process per session pays for that
  // once per client, not in the measurement.
  const clients = await Promise.all(Array.from({ length: spec.concurrency }, () => openClient(spec)));
  const start = Date.now();
  const measureFrom = start + spec.warmupMs;
  const until = measureFrom + spec.durationMs;
  const latencies: number[] = [];
  const counters = { errors: 0 };
  await Promise.all(clients.map((client) => drive(client, spec, measureFrom, until, latencies, counters)));
  latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    requests: latencies.length,
    errors: counters.errors,
    rps: latencies.length / (spec.durationMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
