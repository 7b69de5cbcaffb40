import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createToolPool } from '../../src/shared/execution/tool-pool.js';
import { type PoolCall, type ToolPool, type ToolPoolOptions } from '../../src/shared/execution/pool-contract.js';
import { FIXTURE_PLUGINS } from './gateway-process.js';

export interface TestPool extends ToolPool {
  /** The pool's log lines, parsed. */
  readonly logs: Record<string, unknown>[];
}

/** A pool over the fixture plugins, with small limits; `overrides` win. Its log is kept for assertions. */
export function createTestPool(overrides: Partial<ToolPoolOptions> = {}): TestPool {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const pool = createToolPool({
    threads: 1,
    threadConcurrency: 64,
    heapMb: 64,
    cancelGraceMs: 300,
    pluginsDir: FIXTURE_PLUGINS,
    maxResultBytes: 100_000,
    logger: pino({ level: 'info' }, sink),
    ...overrides,
  });
  return Object.assign(pool, { logs });
}

/** A call of an export of `faults.ts`, named after it. */
export function faultCall(
  exportName: string,
  args: Record<string, unknown> = {},
  options: Partial<Pick<PoolCall, 'isolation' | 'maxConcurrency' | 'timeoutMs'>> = {},
): PoolCall {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    tool: exportName,
    isolation: options.isolation ?? 'shared',
    maxConcurrency: options.maxConcurrency,
    target: { module: 'faults.ts', exportName },
    args,
    requestId: 'test',
    deadline: Date.now() + timeoutMs,
    timeoutMs,
  };
}

/** The most spans that overlap at one moment (a span ending as another starts does not overlap it). */
export function maxOverlap(spans: readonly { readonly startedAt: number; readonly endedAt: number }[]): number {
  const edges = spans.flatMap((span) => [
    { at: span.startedAt, delta: 1 },
    { at: span.endedAt, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let most = 0;
  for (const edge of edges) {
    current += edge.delta;
    most = Math.max(most, current);
  }
  return most;
}
