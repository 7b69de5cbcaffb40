/**
 * `npm run bench`: starts every configuration on loopback, drives each with the load generator (a process
 * of its own) at 1, 32 and 128 concurrent clients (tool workloads) or 1 and 32 (the rest), interleaving
 * configurations over BENCH_REPS repetitions (default 3), and prints medians with min–max and the ratios
 * the targets are stated in. Results go to bench/results/ as JSON with the core count, Node version and
 * commit.
 *
 * BENCH_DURATION_MS (default 3000) and BENCH_WARMUP_MS (default 500) set each measurement's length;
 * BENCH_CONFIG (default bench/config.yaml) the gateways' config, to compare settings;
 * BENCH_ONLY (substrings separated by `|`) keeps only the rows whose name contains one of them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { availableParallelism, cpus } from 'node:os';
import { EVERYTHING_BIN, startEverythingServer } from '../test/helpers/everything-server.ts';
import { startAlternatingBalancer } from '../test/helpers/alternating-balancer.ts';
import { startPeerGateways } from './peer-gateways.ts';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, spawnToolgate, type SpawnedProcess } from '../test/helpers/gateway-process.ts';
import { hasRedisServerBinary, spawnRedisServer, type TestRedis } from '../test/helpers/redis-server.ts';
import type { LoadResult, LoadSpec } from './load-generator.ts';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500);
const TOOL_CONCURRENCY = [1, 32, 128];
const OTHER_CONCURRENCY = [1, 32];
const BASE_CONFIG = process.env.BENCH_CONFIG ?? join(ROOT, 'bench/config.yaml');
/** Set once the upstream MCP server is up: the base config plus `mcp_servers` pointing at it. */
let CONFIG = BASE_CONFIG;
const ONLY = process.env.BENCH_ONLY?.split('|');
const measures = (row: string) => ONLY === undefined || ONLY.some((part) => row.includes(part));
/** Each tool workload (`bench/plugins/bench_tools.ts`) by the name its rows carry. */
const WORKLOADS = { trivial: 'noop', io: 'io_wait', cpu: 'cpu_spin' } as const;
type Workload = keyof typeof WORKLOADS;
const PLUGINS = join(ROOT, 'bench/plugins');

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
const callBody = (tool: string, args: Record<string, unknown> = { text: 'ok' }) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } });

/**
 * `tools/call <row> · <configuration>`: server-everything's `echo`, over streamable HTTP (`upstream`,
 * called directly or through a gateway) or over stdio (`stdio`, fronted by toolgate or by a peer).
 */
function upstreamTarget(
  row: 'upstream' | 'stdio',
  configuration: string,
  mcpUrl: string,
  tool: string,
): Record<string, Target> {
  return {
    [`tools/call ${row} · ${configuration}`]: {
      url: mcpUrl,
      method: 'POST',
      headers: MCP_HEADERS,
      body: callBody(tool, { message: 'ok' }),
      mcpSession: true,
      concurrency: OTHER_CONCURRENCY,
    },
  };
}
const LIST_BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
/** One round of the server-side tool loop: the model calls `noop`, the gateway runs it, the model answers. */
const TOOL_LOOP_BODY = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ type: 'mcp', server_url: 'litellm_proxy', require_approval: 'never', allowed_tools: ['noop'] }],
});
const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'hi' }],
    ...(stream && { stream: true }),
  });

type Target = Omit<LoadSpec, 'concurrency' | 'durationMs' | 'warmupMs'> & { readonly concurrency: readonly number[] };

/** `tools/call <workload> · <configuration>` rows for an MCP endpoint. */
function toolTargets(configuration: string, mcpUrl: string): Record<string, Target> {
  return Object.fromEntries(
    Object.entries(WORKLOADS).map(([workload, tool]) => [
      `tools/call ${workload} · ${configuration}`,
      {
        url: mcpUrl,
        method: 'POST',
        headers: MCP_HEADERS,
        body: callBody(tool),
        mcpSession: true,
        concurrency: TOOL_CONCURRENCY,
      },
    ]),
  );
}

/**
 * `tools/call trivial · <configuration> 2026`: the same call as MCP 2026-07-28, stateless: no session, each
 * request carrying its envelope and routing headers (the 2025 rows above open a session per client).
 */
function statelessTarget(configuration: string, mcpUrl: string): Record<string, Target> {
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  return {
    [`tools/call trivial · ${configuration} 2026`]: {
      url: mcpUrl,
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': WORKLOADS.trivial,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: WORKLOADS.trivial, arguments: { text: 'ok' }, _meta: envelope },
      }),
      concurrency: TOOL_CONCURRENCY,
    },
  };
}

/** Starts a helper script that prints `{ url }` as its first line. */
async function startScript(
  script: string,
  env: Record<string, string> = {},
): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill('SIGKILL') };
}

async function startGateway(
  env: Record<string, string>,
  config = CONFIG,
): Promise<{ url: string; process: SpawnedProcess }> {
  const gateway = spawnToolgate(['--config', config, '--port', '0'], { PLUGINS_DIR: PLUGINS, ...env });
  const line = await gateway.waitForLog((entry) => entry.msg === 'toolgate gateway listening');
  return { url: String(line.url), process: gateway };
}

async function startWorkers(count: number, env: Record<string, string>): Promise<SpawnedProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const worker = spawnToolgate(['worker', '--config', CONFIG], { PLUGINS_DIR: PLUGINS, ...env });
      await worker.waitForLog((entry) => entry.msg === 'toolgate worker ready');
      return worker;
    }),
  );
}

/**
 * The cost of shared sessions, on the same worker: a gateway keeping sessions in memory beside the
 * shared one, and one and two gateways behind an alternating balancer (sessions go to whichever).
 */
async function sessionTargets(
  env: Record<string, string>,
  sharedUrl: string,
  stops: (() => unknown)[],
): Promise<Record<string, Target>> {
  const inMemoryConfig = join(dirname(CONFIG), 'config.in-memory-sessions.yaml');
  writeFileSync(
    inMemoryConfig,
    readFileSync(CONFIG, 'utf8').replace('toolgate_settings:\n', 'toolgate_settings:\n  shared_sessions: false\n'),
  );
  const inMemory = await startGateway(env, inMemoryConfig);
  const second = await startGateway(env);
  stops.push(
    () => inMemory.process.stop(),
    () => second.process.stop(),
  );
  const [one, two] = await Promise.all([
    startAlternatingBalancer([sharedUrl]),
    startAlternatingBalancer([sharedUrl, second.url]),
  ]);
  stops.push(
    () => one.stop(),
    () => two.stop(),
  );
  const trivial = (url: string): Target => ({
    url,
    method: 'POST',
    headers: MCP_HEADERS,
    body: callBody(WORKLOADS.trivial),
    mcpSession: true,
    concurrency: OTHER_CONCURRENCY,
  });
  return {
    'tools/call trivial · queue 1 worker, in-memory sessions': trivial(`${inMemory.url}/mcp`),
    'tools/call trivial · 1 gateway behind the balancer': trivial(`${one.url}/mcp`),
    'tools/call trivial · 2 gateways behind the balancer': trivial(`${two.url}/mcp`),
  };
}

function runLoad({ concurrency: _levels, ...target }: Target, concurrency: number): Promise<LoadResult> {
  const spec: LoadSpec = { ...target, concurrency, durationMs: DURATION_MS, warmupMs: WARMUP_MS };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/load-generator.ts'), JSON.stringify(spec)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

interface Summary {
  readonly rps: { median: number; min: number; max: number };
  readonly p50Ms: { median: number; min: number; max: number };
  readonly p99Ms: { median: number; min: number; max: number };
  readonly errors: number;
}

function summarise(runs: LoadResult[]): Summary {
  const stat = (pick: (run: LoadResult) => number) => {
    const values = runs.map(pick);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  return {
    rps: stat((run) => run.rps),
    p50Ms: stat((run) => run.p50Ms),
    p99Ms: stat((run) => run.p99Ms),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
}

async function main(): Promise<void> {
  const stops: (() => unknown)[] = [];
  const results = new Map<string, Map<number, LoadResult[]>>();
  try {
    const upstream = await startScript('bench/mock-upstream.ts');
    stops.push(upstream.stop);
    const baseline = await startScript('bench/baseline-server.ts');
    stops.push(baseline.stop);
    // An upstream MCP server (the reference server over streamable HTTP), called directly and through
    // the gateways as `mcp_servers.ev`.
    const everything = await startEverythingServer('streamableHttp');
    stops.push(() => everything.stop());
    CONFIG = join(mkdtempSync(join(tmpdir(), 'toolgate-bench-')), 'config.yaml');
    // The same server over stdio as `evs`, in toolgate's pool, beside the peers that front it that way.
    const stdioServer = `{ transport: stdio, command: ${process.execPath}, args: [${EVERYTHING_BIN}, stdio] }`;
    writeFileSync(
      CONFIG,
      `${readFileSync(BASE_CONFIG, 'utf8')}\nmcp_servers:\n  ev: { url: ${everything.url} }\n  evs: ${stdioServer}\n`,
    );
    const gatewayEnv = { BENCH_UPSTREAM: `${upstream.url}/v1`, REDIS_URL: '' };
    const embedded = await startGateway(gatewayEnv);
    stops.push(() => embedded.process.stop());

    const targets: Record<string, Target> = {
      ...toolTargets('SDK baseline', `${baseline.url}/mcp`),
      ...toolTargets('embedded', `${embedded.url}/mcp`),
      ...statelessTarget('embedded', `${embedded.url}/mcp`),
      ...upstreamTarget('upstream', 'direct', everything.url, 'echo'),
      ...upstreamTarget('upstream', 'embedded', `${embedded.url}/mcp`, 'ev-echo'),
      ...upstreamTarget('stdio', 'toolgate embedded', `${embedded.url}/mcp`, 'evs-echo'),
    };
    // Only when their rows are measured: starting them installs them on first use.
    if (['supergateway', 'mcp-proxy'].some((peer) => measures(`tools/call stdio · ${peer}`))) {
      for (const peer of await startPeerGateways()) {
        stops.push(() => peer.stop());
        Object.assign(targets, upstreamTarget('stdio', peer.name, peer.mcpUrl, 'echo'));
      }
    }

    let redis: TestRedis | undefined;
    if (hasRedisServerBinary() || process.env.REDIS_URL) {
      redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: async () => {} } : await spawnRedisServer();
      stops.push(() => redis?.stop());
      for (const workers of [1, 2]) {
        const env = { ...gatewayEnv, REDIS_URL: redis.url, QUEUE_PREFIX: `bench-${workers}w-${Date.now()}` };
        const gateway = await startGateway(env);
        stops.push(() => gateway.process.stop());
        for (const worker of await startWorkers(workers, env)) stops.push(() => worker.stop());
        const name = `queue ${workers} worker${workers > 1 ? 's' : ''}`;
        Object.assign(
          targets,
          toolTargets(name, `${gateway.url}/mcp`),
          upstreamTarget('upstream', name, `${gateway.url}/mcp`, 'ev-echo'),
          upstreamTarget('stdio', `toolgate ${name}`, `${gateway.url}/mcp`, 'evs-echo'),
        );
        if (workers === 1) {
          Object.assign(targets, statelessTarget(name, `${gateway.url}/mcp`));
          Object.assign(targets, await sessionTargets(env, gateway.url, stops));
          targets['chat tool loop · queue 1 worker'] = {
            url: `${gateway.url}/v1/chat/completions`,
            method: 'POST',
            headers: JSON_HEADERS,
            body: TOOL_LOOP_BODY,
            concurrency: OTHER_CONCURRENCY,
          };
        }
      }
      // Let the gateways see their workers' heartbeats and upstream listings (read every 2 s).
      await new Promise((resolve) => setTimeout(resolve, 4_000));
    } else {
      process.stderr.write('redis-server not found and REDIS_URL not set: skipping queue mode\n');
    }
    const concurrency = OTHER_CONCURRENCY;
    Object.assign(targets, {
      'tools/list · embedded': {
        url: `${embedded.url}/mcp`,
        method: 'POST',
        headers: MCP_HEADERS,
        body: LIST_BODY,
        mcpSession: true,
        concurrency,
      },
      'REST call_tool · embedded': {
        url: `${embedded.url}/mcp/call_tool`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ name: 'noop', arguments: { text: 'ok' } }),
        concurrency,
      },
      'chat · direct to upstream': {
        url: `${upstream.url}/v1/chat/completions`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: chatBody(false),
        concurrency,
      },
      'chat · through gateway': {
        url: `${embedded.url}/v1/chat/completions`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: chatBody(false),
        concurrency,
      },
      'chat stream · direct to upstream': {
        url: `${upstream.url}/v1/chat/completions`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: chatBody(true),
        concurrency,
      },
      'chat stream · through gateway': {
        url: `${embedded.url}/v1/chat/completions`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: chatBody(true),
        concurrency,
      },
      'chat tool loop · embedded': {
        url: `${embedded.url}/v1/chat/completions`,
        method: 'POST',
        headers: JSON_HEADERS,
        body: TOOL_LOOP_BODY,
        concurrency,
      },
    } satisfies Record<string, Target>);
    const measured = Object.entries(targets).filter(([name]) => measures(name));

    for (let rep = 1; rep <= REPS; rep += 1) {
      for (const [name, target] of measured) {
        for (const concurrency of target.concurrency) {
          const result = await runLoad(target, concurrency);
          process.stderr.write(
            `rep ${rep}/${REPS}  ${name.padEnd(34)} c=${String(concurrency).padEnd(3)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms${result.errors ? `  errors ${result.errors}` : ''}\n`,
          );
          const byConcurrency = results.get(name) ?? new Map<number, LoadResult[]>();
          byConcurrency.set(concurrency, [...(byConcurrency.get(concurrency) ?? []), result]);
          results.set(name, byConcurrency);
        }
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const summaries: Record<string, Record<number, Summary>> = {};
  for (const [name, byConcurrency] of results)
    summaries[name] = Object.fromEntries(
      [...byConcurrency].map(([concurrency, runs]) => [concurrency, summarise(runs)]),
    );
  const at = (name: string, concurrency: number) => summaries[name]?.[concurrency];
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b !== 0 ? a / b : undefined);
  const twice = (value?: number) => (value === undefined ? undefined : 2 * value);
  const difference = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a - b : undefined);
  const versusBaseline = (workload: Workload, configuration: string, clients: number) =>
    ratio(
      at(`tools/call ${workload} · ${configuration}`, clients)?.rps.median,
      at(`tools/call ${workload} · SDK baseline`, clients)?.rps.median,
    );
  const comparisons: Record<string, number | undefined> = {};
  const peerRates = ['supergateway', 'mcp-proxy']
    .map((peer) => at(`tools/call stdio · ${peer}`, 32)?.rps.median)
    .filter((rate) => rate !== undefined);
  const betterPeerAt32 = peerRates.length > 0 ? Math.max(...peerRates) : undefined;
  for (const [workload, clients, embeddedTarget, queueTarget] of [
    ['io', 128, 0.9, 0.8],
    ['cpu', 32, 1.7, 1.4],
    ['trivial', 32, 1.0, 0.6],
  ] as const) {
    comparisons[`${workload} at ${clients}: embedded vs SDK baseline, calls/s (target ≥ ${embeddedTarget})`] =
      versusBaseline(workload, 'embedded', clients);
    comparisons[`${workload} at ${clients}: queue 1 worker vs SDK baseline, calls/s (target ≥ ${queueTarget})`] =
      versusBaseline(workload, 'queue 1 worker', clients);
    comparisons[`${workload} at ${clients}: queue 2 workers vs SDK baseline, calls/s`] = versusBaseline(
      workload,
      'queue 2 workers',
      clients,
    );
  }
  for (const configuration of ['embedded', 'queue 1 worker'])
    for (const clients of [1, 32])
      comparisons[`trivial at ${clients}: ${configuration}, 2026 stateless vs 2025 session, calls/s (target ≥ 1)`] =
        ratio(
          at(`tools/call trivial · ${configuration} 2026`, clients)?.rps.median,
          at(`tools/call trivial · ${configuration}`, clients)?.rps.median,
        );
  Object.assign(comparisons, {
    'upstream at 1: embedded, p50 ms added over direct (target ≤ 1.5)': difference(
      at('tools/call upstream · embedded', 1)?.p50Ms.median,
      at('tools/call upstream · direct', 1)?.p50Ms.median,
    ),
    'upstream at 32: embedded vs direct, calls/s': ratio(
      at('tools/call upstream · embedded', 32)?.rps.median,
      at('tools/call upstream · direct', 32)?.rps.median,
    ),
    'upstream at 32: queue 1 worker vs direct, calls/s': ratio(
      at('tools/call upstream · queue 1 worker', 32)?.rps.median,
      at('tools/call upstream · direct', 32)?.rps.median,
    ),
    'stdio at 32: toolgate embedded vs the better of supergateway and mcp-proxy, calls/s (target ≥ 1.5)': ratio(
      at('tools/call stdio · toolgate embedded', 32)?.rps.median,
      betterPeerAt32,
    ),
    'stdio at 32: toolgate queue 1 worker vs the better peer, calls/s': ratio(
      at('tools/call stdio · toolgate queue 1 worker', 32)?.rps.median,
      betterPeerAt32,
    ),
    'shared sessions at 1: p50 ms added over in-memory sessions (target ≤ 0.3)': difference(
      at('tools/call trivial · queue 1 worker', 1)?.p50Ms.median,
      at('tools/call trivial · queue 1 worker, in-memory sessions', 1)?.p50Ms.median,
    ),
    'shared sessions at 32: calls/s vs in-memory sessions (target ≥ 0.9)': ratio(
      at('tools/call trivial · queue 1 worker', 32)?.rps.median,
      at('tools/call trivial · queue 1 worker, in-memory sessions', 32)?.rps.median,
    ),
    'two gateways vs one behind the balancer, calls/s at 32 (same worker)': ratio(
      at('tools/call trivial · 2 gateways behind the balancer', 32)?.rps.median,
      at('tools/call trivial · 1 gateway behind the balancer', 32)?.rps.median,
    ),
    // A round asks the model twice: what the gateway adds is the rest (the tool call included).
    'chat tool loop at 1: embedded, p50 ms beyond two direct model calls': difference(
      at('chat tool loop · embedded', 1)?.p50Ms.median,
      twice(at('chat · direct to upstream', 1)?.p50Ms.median),
    ),
    'chat tool loop at 1: queue 1 worker, p50 ms beyond two direct model calls': difference(
      at('chat tool loop · queue 1 worker', 1)?.p50Ms.median,
      twice(at('chat · direct to upstream', 1)?.p50Ms.median),
    ),
    'trivial at 1: queue hop, p50 ms added over embedded (target ≤ 1.5)': difference(
      at('tools/call trivial · queue 1 worker', 1)?.p50Ms.median,
      at('tools/call trivial · embedded', 1)?.p50Ms.median,
    ),
    'chat proxy, p50 ms added at 1 (target ≤ 1)': difference(
      at('chat · through gateway', 1)?.p50Ms.median,
      at('chat · direct to upstream', 1)?.p50Ms.median,
    ),
    'chat proxy vs direct, req/s at 32 (target ≥ 0.5)': ratio(
      at('chat · through gateway', 32)?.rps.median,
      at('chat · direct to upstream', 32)?.rps.median,
    ),
    'chat stream proxy, p50 ms added at 1 (target ≤ 1)': difference(
      at('chat stream · through gateway', 1)?.p50Ms.median,
      at('chat stream · direct to upstream', 1)?.p50Ms.median,
    ),
    'chat stream proxy vs direct, req/s at 32 (target ≥ 0.5)': ratio(
      at('chat stream · through gateway', 32)?.rps.median,
      at('chat stream · direct to upstream', 32)?.rps.median,
    ),
  });

  const format = (stat: { median: number; min: number; max: number }, digits: number) =>
    `${stat.median.toFixed(digits)} (${stat.min.toFixed(digits)}–${stat.max.toFixed(digits)})`;
  const lines = [
    '',
    `| configuration | clients | req/s median (min–max) | p50 ms | p99 ms |`,
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name, byConcurrency] of Object.entries(summaries)) {
    for (const [concurrency, summary] of Object.entries(byConcurrency)) {
      lines.push(
        `| ${name} | ${concurrency} | ${format(summary.rps, 0)} | ${format(summary.p50Ms, 2)} | ${format(summary.p99Ms, 2)} |${summary.errors ? ` errors: ${summary.errors}` : ''}`,
      );
    }
  }
  lines.push('', '| comparison | value |', '| --- | --- |');
  for (const [name, value] of Object.entries(comparisons))
    lines.push(`| ${name} | ${value === undefined ? 'n/a' : value.toFixed(2)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);

  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout.
  }
  const report = {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    repetitions: REPS,
    durationMs: DURATION_MS,
    summaries,
    comparisons,
  };
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
