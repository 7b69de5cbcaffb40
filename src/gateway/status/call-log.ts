import type { Logger } from '../../shared/logger.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { FinishedCall } from '../tools/tool-invoker.js';

/** A finished call as the dashboard lists it. */
export interface RecentCall {
  readonly at: string;
  readonly tool: string;
  readonly outcome: string;
  readonly latencyMs: number;
  readonly workerId: string | null;
  readonly queuedMs: number | null;
  readonly traceId: string | null;
}

/** Calls so far, by tool: the dashboard takes rates from the difference between two looks. */
export type ToolTotals = Record<string, { readonly calls: number; readonly errors: number }>;

export interface CallLog {
  record(call: FinishedCall): void;
  /** The latest calls, newest first. */
  recent(): Promise<RecentCall[]>;
  totals(): Promise<ToolTotals>;
  close(): void;
}

/** How many finished calls the log keeps. */
export const RECENT_CALLS = 50;
/** How often the calls a gateway saw reach Redis: one round trip a second, whatever the call rate. */
const FLUSH_MS = 1_000;

const recentCallOf = (call: FinishedCall): RecentCall => ({
  at: new Date().toISOString(),
  tool: call.tool,
  outcome: call.outcome,
  latencyMs: Math.round(call.seconds * 1000),
  workerId: call.workerId ?? null,
  queuedMs: call.queuedMs ?? null,
  traceId: call.traceId ?? null,
});

function addTo(totals: Record<string, { calls: number; errors: number }>, call: RecentCall, count = 1) {
  const entry = (totals[call.tool] ??= { calls: 0, errors: 0 });
  entry.calls += count;
  if (call.outcome !== 'success') entry.errors += count;
}

/** The calls of this gateway alone (embedded mode). */
export function createMemoryCallLog(): CallLog {
  const recent: RecentCall[] = [];
  const totals: Record<string, { calls: number; errors: number }> = {};
  return {
    record(finished) {
      const call = recentCallOf(finished);
      recent.unshift(call);
      recent.length = Math.min(recent.length, RECENT_CALLS);
      addTo(totals, call);
    },
    recent: async () => [...recent],
    totals: async () => structuredClone(totals),
    close() {},
  };
}

/**
 * Every gateway's calls, in Redis: a capped list of the latest and a hash of totals by tool. A gateway
 * buffers what it saw and writes it once a second, so calls never wait on it; a failed write is logged
 * and its calls left out of the dashboard, nothing else.
 */
export function createRedisCallLog(redis: RedisClient, prefix: string, logger: Logger): CallLog {
  const recentKey = `${prefix}:tg:calls:recent`;
  const totalsKey = `${prefix}:tg:calls:totals`;
  let buffered: RecentCall[] = [];
  const flush = () => {
    if (buffered.length === 0) return;
    const calls = buffered.slice(-RECENT_CALLS);
    const totals: Record<string, { calls: number; errors: number }> = {};
    for (const call of buffered) addTo(totals, call);
    buffered = [];
    const pipeline = redis.pipeline().lpush(recentKey, ...calls.map((call) => JSON.stringify(call))).ltrim(recentKey, 0, RECENT_CALLS - 1);
    for (const [tool, { calls: count, errors }] of Object.entries(totals)) pipeline.hincrby(totalsKey, `${tool}\ncalls`, count).hincrby(totalsKey, `${tool}\nerrors`, errors);
    pipeline.exec().catch((error: unknown) => logger.debug({ err: error }, 'could not record calls for the dashboard'));
  };
  const timer = setInterval(flush, FLUSH_MS);
  timer.unref();
  return {
    record(finished) {
      buffered.push(recentCallOf(finished));
    },
    recent: async () => (await redis.lrange(recentKey, 0, RECENT_CALLS - 1)).map((line) => JSON.parse(line) as RecentCall),
    async totals() {
      const totals: Record<string, { calls: number; errors: number }> = {};
      for (const [field, count] of Object.entries(await redis.hgetall(totalsKey))) {
        const [tool = '', kind] = field.split('\n');
        const entry = (totals[tool] ??= { calls: 0, errors: 0 });
        if (kind === 'calls') entry.calls = Number(count);
        else entry.errors = Number(count);
      }
      return totals;
    },
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
