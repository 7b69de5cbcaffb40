import type { ToolgateConfig } from '../shared/config/load-config.js';
import type { ModuleDescription } from '../shared/plugins/module-description.js';
import { loadToolRegistry } from '../shared/plugins/tool-registry.js';
import type { RedisClient } from '../shared/queue/redis-connection.js';
import { queueKeys } from '../shared/queue/redis-keys.js';
import { describeCatalog, publishCatalog, targetKey, upstreamTargetKey } from '../shared/queue/worker-catalog.js';
import type { Logger } from '../shared/telemetry/logger.js';

/**
 * Reads what this worker can run from its config and plugins (as a gateway does: a config problem stops
 * the worker here, not at its first job) and keeps it in Redis. Returns the hash its heartbeat carries.
 */
export async function announceCatalog(options: {
  config: ToolgateConfig;
  describe: (modules: readonly string[]) => Promise<ModuleDescription[]>;
  redis: RedisClient;
  logger: Logger;
}): Promise<{ readonly hash: string; stop(): void }> {
  const { config, redis, logger } = options;
  const tools = await loadToolRegistry({ config, describe: options.describe });
  const { catalog, hash } = describeCatalog(config.file, [
    ...tools.map((tool) => targetKey(tool.target)),
    ...config.upstreamServers.map((server) => upstreamTargetKey(server.name)),
  ]);
  const published = publishCatalog(redis, queueKeys(config.runtime.queuePrefix).workerCatalog(hash), catalog, logger);
  await published.written;
  return { hash, stop: published.stop };
}
