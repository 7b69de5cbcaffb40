import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { UpstreamInventory } from './upstream-inventory.js';

/** What one look at an upstream server found: what it offers, or why it offers nothing. */
export interface UpstreamListing {
  readonly server: string;
  /** Under upstream names; undefined when the server could not be listed. */
  readonly inventory: UpstreamInventory | undefined;
  readonly error: string | undefined;
  /** Epoch ms of the look. */
  readonly at: number;
  readonly latencyMs: number | undefined;
}

export interface UpstreamDiscovery {
  /** Resolves once every server has been looked at once (or has failed to answer). */
  readonly firstLook: Promise<void>;
  /** Looks at a server now (it said its list changed) rather than at its next turn. */
  refresh(server: string): void;
  stop(): void;
}

/** A listed server is looked at again this often; its list may have changed. */
export const UPSTREAM_REFRESH_MS = 30_000;
/** A server that could not be listed is tried again after this, doubling up to the refresh interval. */
const RETRY_BASE_MS = 1_000;
const LIST_TIMEOUT_MS = 10_000;
/** A server that says its list changed is looked at again at most this often (a flood coalesces). */
export const RELIST_MIN_INTERVAL_MS = 1_000;

/**
 * Lists every available upstream server now and then: every `UPSTREAM_REFRESH_MS` while it answers, with
 * backoff while it does not. An unavailable server (an auth type not served, say) is reported once and
 * never contacted. Nothing here throws: a server that is down only contributes no tools.
 */
export function startUpstreamDiscovery(options: {
  readonly servers: readonly UpstreamServerConfig[];
  readonly list: (server: string, timeoutMs: number) => Promise<UpstreamInventory>;
  readonly onListing: (listing: UpstreamListing) => void;
  readonly logger: Logger;
}): UpstreamDiscovery {
  const timers = new Map<string, NodeJS.Timeout>();
  // Servers whose list changed while a look at them was under way: looked at again straight after.
  const changedMeanwhile = new Set<string>();
  const lookedAt = new Map<string, number>();
  let stopped = false;
  /** How long until a server may be looked at again for a change it announced. */
  const relistDelay = (name: string) => Math.max(0, (lookedAt.get(name) ?? 0) + RELIST_MIN_INTERVAL_MS - Date.now());
  const schedule = (server: UpstreamServerConfig, failures: number, delayMs: number) => {
    const timer = setTimeout(() => {
      timers.delete(server.name);
      void look(server, failures);
    }, delayMs);
    timer.unref();
    timers.set(server.name, timer);
  };

  const look = async (server: UpstreamServerConfig, failures: number): Promise<void> => {
    if (stopped) return;
    const started = Date.now();
    lookedAt.set(server.name, started);
    let next: number;
    try {
      const inventory = await options.list(server.name, LIST_TIMEOUT_MS);
      options.onListing({
        server: server.name,
        inventory,
        error: undefined,
        at: Date.now(),
        latencyMs: Date.now() - started,
      });
      if (failures > 0)
        options.logger.info({ server: server.name, tools: inventory.tools.length }, 'upstream server listed again');
      failures = 0;
      next = UPSTREAM_REFRESH_MS;
    } catch (error) {
      if (failures === 0)
        options.logger.warn(
          { server: server.name, err: messageOf(error) },
          'upstream server could not be listed; retrying with backoff',
        );
      options.onListing({
        server: server.name,
        inventory: undefined,
        error: messageOf(error),
        at: Date.now(),
        latencyMs: undefined,
      });
      failures += 1;
      next = Math.min(RETRY_BASE_MS * 2 ** (failures - 1), UPSTREAM_REFRESH_MS);
    }
    if (stopped) return;
    if (changedMeanwhile.delete(server.name)) next = relistDelay(server.name);
    schedule(server, failures, next);
  };

  const firstLook = Promise.all(
    options.servers.map((server) => {
      if (server.unavailable === undefined) return look(server, 0);
      options.onListing({
        server: server.name,
        inventory: undefined,
        error: server.unavailable,
        at: Date.now(),
        latencyMs: undefined,
      });
      return Promise.resolve();
    }),
  ).then(() => undefined);

  return {
    firstLook,
    refresh(name) {
      const server = options.servers.find((candidate) => candidate.name === name);
      const pending = timers.get(name);
      if (!server || stopped) return;
      if (pending === undefined) {
        changedMeanwhile.add(name);
        return;
      }
      clearTimeout(pending);
      timers.delete(name);
      schedule(server, 0, relistDelay(name));
    },
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
    },
  };
}
