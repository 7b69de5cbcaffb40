import { createHash } from 'node:crypto';
import type { ToolTarget } from '../call/tool-run.js';
import type { Logger } from '../telemetry/logger.js';
import type { RedisClient } from './redis-connection.js';

/**
 * What a worker can run, as it announces it: the targets of the tools its config and plugins declare
 * (`targetKey`), and the config file they came from (for messages). Gateways compare it with their own
 * tools, so a worker started with another config is named at once instead of leaving calls to time out.
 */
export interface WorkerCatalog {
  readonly config: string;
  /** Sorted. */
  readonly targets: readonly string[];
}

/**
 * The name of what runs a tool, the same in every process: the plugin handler (module and export, or
 * declared tool), or the upstream server (which tools a server has is its own listing's business).
 */
export function targetKey(target: ToolTarget): string {
  if (target.kind === 'upstream') return upstreamTargetKey(target.server);
  const { handler } = target;
  return 'exportName' in handler
    ? `plugin:${handler.module}#${handler.exportName}`
    : `plugin:${handler.module}@${handler.declaredTool}`;
}

/** What runs every tool of an upstream server, and the requests forwarded to it. */
export function upstreamTargetKey(server: string): string {
  return `upstream:${server}`;
}

/** A worker's catalog of target keys, and its content hash, which the worker's heartbeat carries. */
export function describeCatalog(config: string, targets: Iterable<string>): { catalog: WorkerCatalog; hash: string } {
  const catalog = { config, targets: [...new Set(targets)].sort() };
  const hash = createHash('sha256').update(JSON.stringify(catalog)).digest('hex').slice(0, 16);
  return { catalog, hash };
}

/** How long a catalog stays in Redis unless rewritten; workers rewrite theirs well before. */
const CATALOG_TTL_MS = 60 * 60_000;
const CATALOG_REWRITE_MS = 60_000;

/**
 * Keeps a worker's catalog in Redis under its hash while the worker runs: written now and rewritten every
 * minute (a Redis restart loses it; a gateway that finds none meanwhile takes the worker to run anything).
 */
export function publishCatalog(
  redis: RedisClient,
  key: string,
  catalog: WorkerCatalog,
  logger: Logger,
): { readonly written: Promise<unknown>; stop(): void } {
  const write = () =>
    redis
      .set(key, JSON.stringify(catalog), 'PX', CATALOG_TTL_MS)
      .catch((error: unknown) => logger.debug({ err: error }, 'could not publish the worker catalog'));
  const written = write();
  const timer = setInterval(() => void write(), CATALOG_REWRITE_MS);
  timer.unref();
  return { written, stop: () => clearInterval(timer) };
}
