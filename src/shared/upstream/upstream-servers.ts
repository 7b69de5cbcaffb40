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
  close(): Promise<void>;
}

/** `onToolsChanged` hears of a server's `notifications/tools/list_changed`. */
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
      return pool.call(call, hooks);
    },
    listTools: (server, timeoutMs) => poolOf(server).listTools(timeoutMs),
    openConnections: () => Object.fromEntries([...pools].map(([name, pool]) => [name, pool.openConnections])),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}
