import type { Logger } from '../../shared/telemetry/logger.js';
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

const recentCallOf = ({ call, at }: Seen): RecentCall => ({
  at: new Date(at).toISOString(),
  tool: call.tool,
  outcome: call.outcome,
  latencyMs: Math.round(call.seconds * 1000),
  workerId: call.workerId ?? null,
  queuedMs: call.queuedMs ?? null,
  traceId: call.traceId ?? null,
});

/** A finished call as recorded: kept as it came, and shaped for the dashboard only if it is still among the latest. */
interface Seen {
  readonly call: FinishedCall;
  readonly at: number;
}

type MutableTotals = Record<string, { calls: number; errors: number }>;

function addTo(totals: MutableTotals, call: FinishedCall) {
  const entry = (totals[call.tool] ??= { calls: 0, errors: 0 });
  entry.calls += 1;
  if (call.outcome !== 'success') entry.errors += 1;
}

/** Records calls: totals by tool, and the latest `RECENT_CALLS` (oldest first), at a few operations a call. */
function createTally() {
  let latest: Seen[] = [];
  let totals: MutableTotals = {};
  return {
    record(call: FinishedCall) {
      addTo(totals, call);
      latest.push({ call, at: Date.now() });
      if (latest.length > RECENT_CALLS) latest.shift();
    },
    /** What was recorded since the last take, and starts again. */
    take() {
      const taken = { latest, totals };
      latest = [];
      totals = {};
      return taken;
    },
    peek: () => ({ latest, totals }),
  };
}

/** The calls of this gateway alone (embedded mode). */
export function createMemoryCallLog(): CallLog {
  const tally = createTally();
  return {
    record: tally.record,
    recent: async () => tally.peek().latest.map(recentCallOf).reverse(),
    totals: async () => structuredClone(tally.peek().totals),
    close() {},
  };
}

/**
 * Every gateway's calls, in Redis: a capped list of the latest and a hash of totals by tool. A gateway
 * tallies what it saw and writes it once a second, so calls never wait on it; a failed write is logged
 * and its calls left out of the dashboard, nothing else.
 */
export function createRedisCallLog(redis: RedisClient, prefix: string, logger: Logger): CallLog {
  const recentKey = `${prefix}:tg:calls:recent`;
  const totalsKey = `${prefix}:tg:calls:totals`;
  const tally = createTally();
  const flush = () => {
    const { latest, totals } = tally.take();
    if (latest.length === 0) return;
    const pipeline = redis
      .pipeline()
      .lpush(recentKey, ...latest.map((seen) => JSON.stringify(recentCallOf(seen))))
      .ltrim(recentKey, 0, RECENT_CALLS - 1);
    for (const [tool, { calls, errors }] of Object.entries(totals))
      pipeline.hincrby(totalsKey, `${tool}\ncalls`, calls).hincrby(totalsKey, `${tool}\nerrors`, errors);
    pipeline.exec().catch((error: unknown) => logger.debug({ err: error }, 'could not record calls for the dashboard'));
  };
  const timer = setInterval(flush, FLUSH_MS);
  timer.unref();
  return {
    record: tally.record,
    recent: async () =>
      (await redis.lrange(recentKey, 0, RECENT_CALLS - 1)).map((line) => JSON.parse(line) as RecentCall),
    async totals() {
      const totals: MutableTotals = {};
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
