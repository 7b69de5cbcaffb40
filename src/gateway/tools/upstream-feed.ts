import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { UpstreamListing } from '../../shared/upstream/upstream-discovery.js';
import { registeredUpstreamTools } from '../../shared/upstream/upstream-tools.js';
import type { ToolCatalog } from './tool-catalog.js';
import type { UpstreamFeatures } from './upstream-features.js';

/** One upstream server as `GET /v1/mcp/server/health` shows it. */
export interface UpstreamHealth {
  readonly server: string;
  readonly status: 'healthy' | 'unhealthy' | 'unknown';
  readonly error: string | null;
  readonly tools: number;
  readonly excludedTools: readonly string[];
  readonly latencyMs: number | null;
  readonly checkedAt: string | null;
}

export interface UpstreamFeed {
  /** Takes a listing (from this process's discovery, or from the workers' through Redis) into the catalog. */
  apply(listing: UpstreamListing): void;
  health(): UpstreamHealth[];
}

/** Keeps the catalog's upstream tools, their other features and the servers' health in step with their listings. */
export function createUpstreamFeed(options: {
  catalog: ToolCatalog;
  features: UpstreamFeatures;
  servers: readonly UpstreamServerConfig[];
  separator: string;
  defaultTimeoutMs: number;
  logger: Logger;
}): UpstreamFeed {
  const byName = new Map(options.servers.map((server) => [server.name, server]));
  const health = new Map<string, UpstreamHealth>(
    options.servers.map((server) => [
      server.name,
      {
        server: server.name,
        status: 'unknown',
        error: server.unavailable ?? null,
        tools: 0,
        excludedTools: [],
        latencyMs: null,
        checkedAt: null,
      },
    ]),
  );
  return {
    apply(listing) {
      const server = byName.get(listing.server);
      if (!server) return;
      const tools = registeredUpstreamTools(server, listing.inventory?.tools ?? [], {
        separator: options.separator,
        defaultTimeoutMs: options.defaultTimeoutMs,
      });
      const excluded = options.catalog.setUpstreamTools(server.name, tools);
      options.features.set(server.name, listing.inventory);
      health.set(server.name, {
        server: server.name,
        status: listing.inventory === undefined ? 'unhealthy' : 'healthy',
        error: listing.error ?? null,
        tools: tools.length - excluded.length,
        excludedTools: excluded,
        latencyMs: listing.latencyMs ?? null,
        checkedAt: new Date(listing.at).toISOString(),
      });
    },
    health: () => [...health.values()],
  };
}
