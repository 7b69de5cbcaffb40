import type { Logger } from '../../shared/telemetry/logger.js';
import { processBeats, readPresence, startPresence, type ProcessBeat } from '../../shared/queue/presence.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import { WORKER_HEARTBEAT_MS, WORKER_HEARTBEAT_TTL_MS } from '../../shared/queue/tool-call-job.js';
import { queueKeys } from '../../shared/queue/redis-keys.js';

/** What the dashboard shows of a gateway. */
export interface GatewayBeat extends ProcessBeat {
  readonly gatewayId: string;
  /** Tool calls it has in flight (queued or running). */
  readonly inFlight: number;
  /** Embedded mode: its own pool's threads. */
  readonly threads?: number;
  readonly busyThreads?: number;
}

export interface GatewayBeats {
  /** Every live gateway, this one first. */
  all(): Promise<GatewayBeat[]>;
  stop(): Promise<void>;
}

export type GatewayCounts = Pick<GatewayBeat, 'inFlight' | 'threads' | 'busyThreads'>;

/** A gateway on its own (embedded mode): it knows only itself. */
export function createLocalGatewayBeats(gatewayId: string, counts: () => GatewayCounts): GatewayBeats {
  const stamp = processBeats();
  return { all: async () => [{ gatewayId, ...counts(), ...stamp() }], stop: async () => {} };
}

/** Gateways in queue mode announce themselves as workers do, so that each one's dashboard shows them all. */
export function startGatewayBeats(
  redis: RedisClient,
  prefix: string,
  gatewayId: string,
  counts: () => GatewayCounts,
  logger: Logger,
): GatewayBeats {
  const keys = queueKeys(prefix).gatewayPresence;
  const presence = startPresence({
    redis,
    keys,
    id: gatewayId,
    payload: () => ({ gatewayId, ...counts() }),
    everyMs: WORKER_HEARTBEAT_MS,
    ttlMs: WORKER_HEARTBEAT_TTL_MS,
    logger,
  });
  return {
    async all() {
      const { payloads } = await readPresence<GatewayBeat>(redis, keys);
      return payloads.sort(
        (a, b) =>
          Number(b.gatewayId === gatewayId) - Number(a.gatewayId === gatewayId) ||
          a.gatewayId.localeCompare(b.gatewayId),
      );
    },
    stop: () => presence.stop(),
  };
}
