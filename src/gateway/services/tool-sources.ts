import type { ToolgateConfig } from '../../shared/config/load-config.js';
import type { ModuleDescription } from '../../shared/plugins/module-description.js';
import { loadToolRegistry } from '../../shared/plugins/tool-registry.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { createToolCatalog, type ToolCatalog } from '../tools/tool-catalog.js';
import { createUpstreamFeatures, type UpstreamFeatures } from '../tools/upstream-features.js';
import { createUpstreamFeed, type UpstreamFeed } from '../tools/upstream-feed.js';

export interface ToolSources {
  readonly catalog: ToolCatalog;
  readonly upstreamFeatures: UpstreamFeatures;
  /** Takes the upstream servers' listings into the catalog and the features. */
  readonly feed: UpstreamFeed;
}

/**
 * The catalog of the config's tools, from the plugins that `describe` reads (in a pool thread, as they
 * run), and the feed that adds the upstream servers' tools as their listings arrive.
 */
export async function loadToolSources(
  config: ToolgateConfig,
  describe: (modules: readonly string[]) => Promise<ModuleDescription[]>,
  logger: Logger,
): Promise<ToolSources> {
  const { settings, upstreamServers } = config;
  const catalog = createToolCatalog(await loadToolRegistry({ config, describe }), {
    onProblem: (message) => logger.warn(message),
  });
  const upstreamFeatures = createUpstreamFeatures(upstreamServers, { separator: settings.tool_prefix_separator });
  const feed = createUpstreamFeed({
    catalog,
    features: upstreamFeatures,
    servers: upstreamServers,
    separator: settings.tool_prefix_separator,
    defaultTimeoutMs: settings.tool_timeout_ms,
    logger,
  });
  return { catalog, upstreamFeatures, feed };
}
