import type { ToolgateConfig } from '../../shared/config/load-config.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { ToolExecutor } from '../executor/tool-executor.js';
import type { QueueState } from '../executor/worker-monitor.js';
import type { KeyStore } from '../keys/key-store.js';
import type { KeyUsage } from '../keys/key-usage.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ResponseStore } from '../openai/response-store.js';
import type { CallLog } from '../status/call-log.js';
import type { GatewayBeats, GatewayCounts } from '../status/gateway-beats.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { UpstreamFeatures } from '../tools/upstream-features.js';
import type { UpstreamFeed } from '../tools/upstream-feed.js';
import type { ViewResolver } from '../tools/tool-view.js';
import type { GatewaySessions } from './gateway-sessions.js';

/**
 * What differs between the two modes, decided once: embedded mode runs tools in this process (its
 * thread pool, its upstream connections) and keeps its state in memory; queue mode hands calls to workers
 * through Redis, learns the upstream servers' tools from the workers' listings there, and shares sessions,
 * keys and the call log with the other gateways. The rest of the gateway receives these and never asks.
 */
export interface GatewayServices {
  readonly catalog: ToolCatalog;
  /** The upstream servers' tools, as they come and go, and their health. */
  readonly feed: UpstreamFeed;
  /** The upstream servers' resources and prompts. */
  readonly upstreamFeatures: UpstreamFeatures;
  readonly executor: ToolExecutor;
  readonly sessions: GatewaySessions;
  readonly responses: ResponseStore;
  /** Virtual keys, which live in Redis: undefined in embedded mode. */
  readonly keys: KeyStore | undefined;
  readonly keyUsage: KeyUsage | undefined;
  readonly callLog: CallLog;
  readonly metrics: GatewayMetrics;
  /** Workers and queue depth (queue mode). */
  readonly queueState: (() => QueueState) | undefined;
  /** Announces this gateway (to the other gateways' dashboards, in queue mode) with its counts. */
  startBeats(counts: () => GatewayCounts): GatewayBeats;
  /** Ends the sessions and stops the stores, once calls have drained; the executor is closed after. */
  close(): Promise<void>;
}

/** What each mode's factory starts. */
export type ModeServices = Omit<GatewayServices, 'close'>;

export interface GatewayServiceOptions {
  readonly config: ToolgateConfig;
  readonly logger: Logger;
  readonly gatewayId: string;
  /** One resolver for the whole gateway: sessions and routes share its views. */
  readonly viewFor: ViewResolver;
}
