import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { queueKeys } from '../../shared/queue/redis-keys.js';
import type { WorkerBeat } from '../../shared/queue/worker-beat.js';
import type { WorkerCatalog } from '../../shared/queue/worker-catalog.js';
import type { Logger } from '../../shared/telemetry/logger.js';

/** Something this gateway serves, by the target key a worker must list to run it. */
export interface ExpectedTarget {
  /** For messages: the tool's name, or `mcp_servers.<name>`. */
  readonly name: string;
  readonly key: string;
}

export interface WorkerCatalogs {
  /** Reads the catalogs that new beats name, once each, and reports each one that lacks what this gateway serves. */
  update(beats: readonly WorkerBeat[]): Promise<void>;
  /**
   * Whether some worker among `beats` can run the target. A worker whose catalog is unknown (an older
   * worker, or a catalog lost with a Redis restart and not yet rewritten) is taken to run anything.
   */
  canRun(beats: readonly WorkerBeat[], key: string): boolean;
}

function parseCatalog(text: string | null | undefined): WorkerCatalog | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const catalog = JSON.parse(text) as Partial<WorkerCatalog>;
    return Array.isArray(catalog.targets) ? (catalog as WorkerCatalog) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The catalogs of the live workers, as their heartbeats name them, compared with what this gateway
 * serves: a worker started with another config is reported once, and a call nobody can run fails at once.
 */
export function createWorkerCatalogs(deps: {
  readonly redis: RedisClient;
  readonly keys: ReturnType<typeof queueKeys>;
  readonly logger: Logger;
  readonly expected: () => Iterable<ExpectedTarget>;
}): WorkerCatalogs {
  const { redis, keys, logger } = deps;
  const known = new Map<string, ReadonlySet<string>>();

  const report = (hash: string, catalog: WorkerCatalog, workers: readonly string[]) => {
    const missing = [...deps.expected()].filter((target) => !catalog.targets.includes(target.key));
    if (missing.length === 0) return;
    logger.warn(
      { catalog: hash, workerConfig: catalog.config, workers, missing: missing.map((target) => target.name) },
      "workers started with another config cannot run some of this gateway's tools; calls to those fail at once. Run gateways and workers with the same config and plugins",
    );
  };

  return {
    async update(beats) {
      const hashes = new Set(beats.flatMap((beat) => (beat.catalog ? [beat.catalog] : [])));
      // Only the live workers' catalogs are kept.
      for (const hash of known.keys()) if (!hashes.has(hash)) known.delete(hash);
      const unread = [...hashes].filter((hash) => !known.has(hash));
      if (unread.length === 0) return;
      let raw: (string | null)[];
      try {
        raw = await redis.mget(...unread.map(keys.workerCatalog));
      } catch (error) {
        logger.debug({ err: error }, 'could not read worker catalogs');
        return;
      }
      unread.forEach((hash, index) => {
        const catalog = parseCatalog(raw[index]);
        if (catalog === undefined) return;
        known.set(hash, new Set(catalog.targets));
        const workers = beats.filter((beat) => beat.catalog === hash).map((beat) => beat.workerId);
        report(hash, catalog, workers);
      });
    },

    canRun(beats, key) {
      return beats.some((beat) => {
        const targets = beat.catalog === undefined ? undefined : known.get(beat.catalog);
        return targets === undefined || targets.has(key);
      });
    },
  };
}
