import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONFORMANCE_2025, CONFORMANCE_2026, ensureConformanceSuite } from '../helpers/conformance-suite.js';
import { startAlternatingBalancer } from '../helpers/alternating-balancer.js';
import { ROOT, startGateway } from '../helpers/gateway-process.js';
import { queueEnv, startQueueGateway, startWorker, waitForWorkers } from '../helpers/queue-cluster.js';

// The official MCP conformance suite is the protocol oracle, run by the same Node as the tests.
const CONFIG = join(ROOT, 'test/fixtures/config.conformance.yaml');
const BASELINE = join(ROOT, 'test/fixtures/conformance-baseline.yml');
const BASELINE_2026 = join(ROOT, 'test/fixtures/conformance-baseline-2026.yml');
const RUN_TIMEOUT_MS = 120_000;

/**
 * The scenarios toolgate must pass: everything in the active suite that covers tools, logging, ping and
 * transport, and (served by an upstream server mounted with `prefix: false`) resources, prompts and completion.
 */
const PASSING_SCENARIOS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'completion-complete',
];

interface ConformanceCheck {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  readonly errorMessage?: string;
  readonly details?: Record<string, unknown>;
}

interface SuiteRun {
  readonly exitCode: number | null;
  /** stdout and stderr, without the colour codes the CLI always prints, for failure messages. */
  readonly output: string;
}

/** Runs a server suite once; kills the CLI (and only it) if it outlives `RUN_TIMEOUT_MS`. */
function runSuite(suiteCli: string, mcpUrl: string, outDir: string, options: readonly string[]): Promise<SuiteRun> {
  const args = [suiteCli, 'server', '--url', mcpUrl, ...options, '-o', outDir];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS - 10_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output: stripVTControlCharacters(output) });
    });
  });
}

/** Results are written as `<outDir>/server-<scenario>-<ISO timestamp>/checks.json`. */
function scenarioOf(resultDir: string): string {
  return resultDir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
}

const expectedFailures = (parse(readFileSync(BASELINE, 'utf8')) as { server: string[] }).server;

/** Each scenario's checks, from a run's output folder. */
function readChecks(outDir: string, into: Map<string, ConformanceCheck[]>): void {
  for (const resultDir of readdirSync(outDir)) {
    const checks = JSON.parse(readFileSync(join(outDir, resultDir, 'checks.json'), 'utf8')) as ConformanceCheck[];
    into.set(scenarioOf(resultDir), checks);
  }
}

/**
 * The scored 2026-07-28 scenarios toolgate passes: tools from its plugins; resources, prompts and
 * completion from the fixtures' upstream server, mounted with `prefix: false`.
 */
const PASSING_2026 = [
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'sep-2164-resource-not-found',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
  'caching',
  'input-required-result-unsupported-methods',
  'input-required-result-validate-input',
];

interface Target {
  readonly mcpUrl: string;
  stop(): Promise<void>;
}

/** One embedded gateway; HOST is pinned because the DNS-rebinding scenario only runs against a loopback URL. */
async function oneGateway(): Promise<Target> {
  const gateway = await startGateway({ config: CONFIG, env: { HOST: '127.0.0.1' } });
  return { mcpUrl: `${gateway.url}/mcp`, stop: async () => void (await gateway.stop()) };
}

/** Two queue-mode gateways and a worker, behind a balancer that sends each request to the other gateway. */
async function twoGatewaysBehindABalancer(): Promise<Target> {
  const env = { ...queueEnv(inject('redisUrl')), HOST: '127.0.0.1' };
  const gateways = await Promise.all([startQueueGateway(env, CONFIG), startQueueGateway(env, CONFIG)]);
  const worker = await startWorker(env, CONFIG);
  await Promise.all(gateways.map((gateway) => waitForWorkers(gateway, 1)));
  // The workers' upstream listing (the fixtures server) reaches the gateways every two seconds.
  for (const until = Date.now() + 20_000; ;) {
    const listed = await Promise.all(
      gateways.map(
        async (gateway) =>
          ((await (await fetch(`${gateway.url}/v1/mcp/server/health`)).json()) as { servers?: { status: string }[] })
            .servers?.[0]?.status,
      ),
    );
    if (listed.every((status) => status === 'healthy')) break;
    if (Date.now() > until) throw new Error(`the gateways never listed the fixtures server: ${listed.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const balancer = await startAlternatingBalancer(gateways.map((gateway) => gateway.url));
  return {
    mcpUrl: `${balancer.url}/mcp`,
    async stop() {
      await balancer.stop();
      await Promise.all([...gateways.map((gateway) => gateway.stop()), worker.stop()]);
    },
  };
}

/**
 * For the describe block it is called in: starts the target, runs a suite version against it with
 * `options`, and reads each scenario's checks; stops it all afterwards. Adds the test every run must pass:
 * its failures are exactly the baseline's.
 */
function useSuiteRun(startTarget: () => Promise<Target>, version: string, options: readonly string[]) {
  let target: Target | undefined;
  let outDir: string | undefined;
  let run: SuiteRun | undefined;
  const checksByScenario = new Map<string, ConformanceCheck[]>();

  beforeAll(async () => {
    const suiteCli = ensureConformanceSuite(version);
    target = await startTarget();
    outDir = mkdtempSync(join(tmpdir(), 'toolgate-conformance-'));
    run = await runSuite(suiteCli, target.mcpUrl, outDir, options);
    readChecks(outDir, checksByScenario);
  }, RUN_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    await target?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const finished = () => {
    if (!run || !outDir) throw new Error('the suite has not run');
    return { run, outDir };
  };

  it('exits 0: every failure is one listed in the baseline, and no listed scenario passes', () => {
    const { run: done } = finished();
    expect(done.exitCode, done.output).toBe(0);
    expect(done.output).toContain('Baseline check passed');
  });

  return {
    finished,
    checksByScenario,
    checksOf(scenario: string): ConformanceCheck[] {
      const checks = checksByScenario.get(scenario);
      if (!checks) throw new Error(`no results for scenario ${scenario}; suite output:\n${finished().run.output}`);
      return checks;
    },
  };
}

describe.each([
  ['one embedded gateway', oneGateway],
  ['two queue-mode gateways behind an alternating balancer', twoGatewaysBehindABalancer],
])('MCP conformance suite (active server scenarios) against %s', (_name, startTarget) => {
  const suite = useSuiteRun(startTarget, CONFORMANCE_2025, ['--expected-failures', BASELINE]);
  const { checksOf, checksByScenario } = suite;

  function detailsOf(scenario: string, id = scenario): Record<string, unknown> {
    const check = checksOf(scenario).find((candidate) => candidate.id === id);
    if (!check) throw new Error(`scenario ${scenario} recorded no check ${id}`);
    return check.details ?? {};
  }

  it('ran every scenario exactly once, each either expected to pass or listed as an expected failure', () => {
    expect([...checksByScenario.keys()].sort()).toEqual([...PASSING_SCENARIOS, ...expectedFailures].sort());
    expect(readdirSync(suite.finished().outDir)).toHaveLength(checksByScenario.size);
  });

  it.each(PASSING_SCENARIOS)('passes every check of %s', (scenario) => {
    const checks = checksOf(scenario);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((check) => check.status !== 'SUCCESS')).toEqual([]);
  });

  it('fails the baseline scenarios only because the feature is not served', () => {
    for (const scenario of expectedFailures) {
      for (const check of checksOf(scenario).filter((candidate) => candidate.status !== 'SUCCESS')) {
        expect(check.errorMessage, `${scenario} / ${check.id}`).toMatch(/Method not found|Unknown tool: test_/);
      }
    }
  });

  it('lists the fixture tools and returns their text and image content', () => {
    expect(detailsOf('tools-list')).toMatchObject({ toolCount: 8 });
    expect(detailsOf('tools-list').tools).toEqual(
      expect.arrayContaining(['test_simple_text', 'test_tool_with_progress', 'test_error_handling']),
    );
    expect(detailsOf('tools-call-simple-text').result).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });
    expect(detailsOf('tools-call-image')).toEqual({ mimeType: 'image/png', hasData: true });
    expect(detailsOf('tools-call-mixed-content')).toEqual({
      contentCount: 3,
      contentTypes: ['text', 'image', 'resource'],
    });
  });

  it('delivers three increasing progress notifications before the result', () => {
    const details = detailsOf('tools-call-with-progress');
    expect(details.progressCount).toBeGreaterThanOrEqual(3);
    expect(details.progressNotifications).toEqual([
      { progress: 0, total: 100 },
      { progress: 50, total: 100 },
      { progress: 100, total: 100 },
    ]);
  });

  it('forwards the three info logs after the client set level debug', () => {
    const details = detailsOf('tools-call-with-logging');
    expect(details.logCount).toBeGreaterThanOrEqual(3);
    expect(details.logs).toEqual(
      ['Tool execution started', 'Tool processing data', 'Tool execution completed'].map((data) => ({
        level: 'info',
        logger: 'test_tool_with_logging',
        data,
      })),
    );
  });

  it('answers a throwing tool with isError and its message, not a JSON-RPC error', () => {
    expect(detailsOf('tools-call-error').result).toEqual({
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
      isError: true,
    });
  });

  it('rejects a foreign Host/Origin with 4xx and accepts the loopback one', () => {
    expect(
      detailsOf('dns-rebinding-protection', 'localhost-host-rebinding-rejected').statusCode,
    ).toBeGreaterThanOrEqual(400);
    expect(detailsOf('dns-rebinding-protection', 'localhost-host-rebinding-rejected').statusCode).toBeLessThan(500);
    expect(detailsOf('dns-rebinding-protection', 'localhost-host-valid-accepted').statusCode).toBe(200);
    expect(detailsOf('server-initialize')).toMatchObject({ connected: true });
  });
});

describe.each([
  ['one embedded gateway', oneGateway],
  ['two queue-mode gateways behind an alternating balancer', twoGatewaysBehindABalancer],
])('MCP conformance suite, 2026-07-28 requirements, against %s', (_name, startTarget) => {
  const suite = useSuiteRun(startTarget, CONFORMANCE_2026, [
    '--requirements',
    '2026-07-28',
    '--expected-failures',
    BASELINE_2026,
  ]);

  it.each(PASSING_2026)('passes %s, every check succeeding', (scenario) => {
    const checks = suite.checksOf(scenario);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((check) => check.status !== 'SUCCESS' && check.status !== 'INFO')).toEqual([]);
  });
});
