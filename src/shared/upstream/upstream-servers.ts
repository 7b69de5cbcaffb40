import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import { callFailure, type CallOutcome } from '../call/call-outcome.js';
import type { CallHooks } from '../call/tool-run.js';
import type { Logger } from '../telemetry/logger.js';
import type { ForwardedResult, UpstreamRequest } from '../call/forwarded-request.js';
import { createUpstreamPool, type UpstreamCall, type UpstreamPool } from './upstream-pool.js';
import { type UpstreamInventory } from './upstream-inventory.js';

/** Every `mcp_servers` entry this process may connect to, each with its own pool. */
export interface UpstreamServers {
  readonly configs: readonly UpstreamServerConfig[];
  call(server: string, call: UpstreamCall, hooks?: CallHooks): Promise<CallOutcome>;
  /** Forwards a request to the server it names. */
  request(request: UpstreamRequest, signal?: AbortSignal): Promise<CallOutcome<ForwardedResult>>;
  /** What the server offers, as it lists it (upstream names). Throws when it cannot be reached. */
  list(server: string, timeoutMs: number): Promise<UpstreamInventory>;
  /** Connections open per server. */
  openConnections(): Record<string, number>;
  /** Whether another call could start now (calls in flight below what the connections carry). */
  canStartNow(): boolean;
  /** Calls `listener` whenever a call ends; returns the unsubscribe. */
  onRoom(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Calls a connection carries at once before a worker stops taking upstream jobs. */
const CALLS_PER_CONNECTION = 64;

/** `onListChanged` hears of a server's `notifications/{tools,resources,prompts}/list_changed`. */
export function createUpstreamServers(
  configs: readonly UpstreamServerConfig[],
  logger: Logger,
  options: { maxResultBytes: number; onListChanged?: (server: string) => void },
): UpstreamServers {
  const pools = new Map<string, UpstreamPool>();
  for (const server of configs) {
    if (server.unavailable !== undefined) continue;
    pools.set(
      server.name,
      createUpstreamPool(server, logger, {
        maxResultBytes: options.maxResultBytes,
        onListChanged: () => options.onListChanged?.(server.name),
      }),
    );
  }
  // MCP multiplexes requests on a connection; past this many per allowed connection, calls wait queued.
  const capacity = configs.reduce(
    (sum, server) => sum + (server.unavailable === undefined ? server.maxConnections * CALLS_PER_CONNECTION : 0),
    0,
  );
  let inFlight = 0;
  const roomListeners = new Set<() => void>();
  const poolOf = (server: string) => {
    const pool = pools.get(server);
    if (!pool) throw new Error(`upstream server "${server}" is not available here`);
    return pool;
  };
  /** Runs on the server's pool, counted against what the connections carry. */
  const counted = async <Result>(
    server: string,
    use: (pool: UpstreamPool) => Promise<CallOutcome<Result>>,
  ): Promise<CallOutcome<Result>> => {
    const pool = pools.get(server);
    if (!pool) return callFailure('upstream_error', `upstream server "${server}" is not available here`);
    inFlight += 1;
    try {
      return await use(pool);
    } finally {
      inFlight -= 1;
      for (const listener of roomListeners) listener();
    }
  };
  return {
    configs,
    call: (server, call, hooks) => counted(server, (pool) => pool.call(call, hooks)),
    request: (request, signal) => counted(request.server, (pool) => pool.request(request, signal)),
    canStartNow: () => inFlight < capacity,
    onRoom(listener) {
      roomListeners.add(listener);
      return () => roomListeners.delete(listener);
    },
    list: (server, timeoutMs) => poolOf(server).list(timeoutMs),
    openConnections: () => Object.fromEntries([...pools].map(([name, pool]) => [name, pool.openConnections])),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}
