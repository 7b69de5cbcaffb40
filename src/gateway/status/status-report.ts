import type { WorkerBeat } from '../../shared/queue/worker-beat.js';
import type { QueueState } from '../executor/worker-monitor.js';
import type { UpstreamHealth } from '../tools/upstream-feed.js';
import type { CallLog, RecentCall, ToolTotals } from './call-log.js';
import type { GatewayBeat, GatewayBeats } from './gateway-beats.js';

/** `GET /v1/status`: what the dashboard shows, as of now. */
export interface StatusReport {
  readonly generatedAt: string;
  readonly mode: 'embedded' | 'queue';
  readonly version: string;
  readonly gatewayId: string;
  readonly gateways: readonly GatewayBeat[];
  /** Queue mode: the live workers, from their heartbeats. */
  readonly workers: readonly WorkerBeat[];
  /** Queue mode: jobs waiting, and how long the latest calls waited for a worker. */
  readonly queue: {
    readonly depth: number;
    readonly redisReachable: boolean;
    readonly waitMs: { readonly average: number | null; readonly max: number | null };
  } | null;
  /** Calls since the log began, by tool (across gateways in queue mode). */
  readonly tools: ToolTotals;
  readonly recentCalls: readonly RecentCall[];
  readonly upstreamServers: readonly UpstreamHealth[];
}

export interface StatusSources {
  readonly mode: 'embedded' | 'queue';
  readonly version: string;
  readonly gatewayId: string;
  readonly gateways: GatewayBeats;
  readonly queueState?: () => QueueState;
  readonly calls: CallLog;
  readonly upstreamHealth: () => readonly UpstreamHealth[];
}

function waitOf(calls: readonly RecentCall[]) {
  const waits = calls.map((call) => call.queuedMs).filter((wait) => wait !== null);
  if (waits.length === 0) return { average: null, max: null };
  return { average: Math.round(waits.reduce((sum, wait) => sum + wait, 0) / waits.length), max: Math.max(...waits) };
}

export async function statusReport(sources: StatusSources): Promise<StatusReport> {
  const [gateways, tools, recentCalls] = await Promise.all([
    sources.gateways.all(),
    sources.calls.totals(),
    sources.calls.recent(),
  ]);
  const state = sources.queueState?.();
  return {
    generatedAt: new Date().toISOString(),
    mode: sources.mode,
    version: sources.version,
    gatewayId: sources.gatewayId,
    gateways,
    workers: state ? [...state.beats].sort((a, b) => a.workerId.localeCompare(b.workerId)) : [],
    queue: state ? { depth: state.depth, redisReachable: state.redisReachable, waitMs: waitOf(recentCalls) } : null,
    tools,
    recentCalls,
    upstreamServers: sources.upstreamHealth(),
  };
}
