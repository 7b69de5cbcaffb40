import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import { callFailure, type CallOutcome } from '../execution/thread-protocol.js';
import type { Logger } from '../logger.js';
import { createUpstreamPool, type UpstreamCall, type UpstreamCallHooks, type UpstreamPool } from './upstream-pool.js';

/** Every `mcp_servers` entry this process may connect to, each with its own pool. */
export interface UpstreamServers {
  readonly configs: readonly UpstreamServerConfig[];
  call(server: string, call: UpstreamCall, hooks?: UpstreamCallHooks): Promise<CallOutcome>;
  /** The server's tools as it lists them (upstream names). Throws when it cannot be reached. */
  listTools(server: string, timeoutMs: number): Promise<Tool[]>;
  /** Connections open per server. */
  openConnections(): Record<string, number>;
  /** Whether another call could start now (calls in flight below what the connections carry). */
  canStartNow(): boolean;
  /** Calls `listener` whenever a call ends; returns the unsubscribe. */
  onRoom(listener: () => void): () => void;
  close(): Promise<void>;
}

/** `onToolsChanged` hears of a server's `notifications/tools/list_changed`. */
/** Calls a connection carries at once before a worker stops taking upstream jobs. */
const CALLS_PER_CONNECTION = 64;

export function createUpstreamServers(
  configs: readonly UpstreamServerConfig[],
  logger: Logger,
  options: { maxResultBytes: number; onToolsChanged?: (server: string) => void },
): UpstreamServers {
  const pools = new Map<string, UpstreamPool>();
  for (const server of configs) {
    if (server.unavailable !== undefined) continue;
    pools.set(server.name, createUpstreamPool(server, logger, { maxResultBytes: options.maxResultBytes, onToolsChanged: () => options.onToolsChanged?.(server.name) }));
  }
  // MCP multiplexes requests on a connection; past this many per allowed connection, calls wait queued.
  const capacity = configs.reduce((sum, server) => sum + (server.unavailable === undefined ? server.maxConnections * CALLS_PER_CONNECTION : 0), 0);
  let inFlight = 0;
  const roomListeners = new Set<() => void>();
  const poolOf = (server: string) => {
    const pool = pools.get(server);
    if (!pool) throw new Error(`upstream server "${server}" is not available here`);
    return pool;
  };
  return {
    configs,
    async call(server, call, hooks) {
      const pool = pools.get(server);
      if (!pool) return callFailure('upstream_error', `upstream server "${server}" is not available here`);
      inFlight += 1;
      try {
        return await pool.call(call, hooks);
      } finally {
        inFlight -= 1;
        for (const listener of roomListeners) listener();
      }
    },
    canStartNow: () => inFlight < capacity,
    onRoom(listener) {
      roomListeners.add(listener);
      return () => roomListeners.delete(listener);
    },
    listTools: (server, timeoutMs) => poolOf(server).listTools(timeoutMs),
    openConnections: () => Object.fromEntries([...pools].map(([name, pool]) => [name, pool.openConnections])),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}
