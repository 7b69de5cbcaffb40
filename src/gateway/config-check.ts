import { loadConfig } from '../shared/config/load-config.js';
import type { RuntimeEnv } from '../shared/config/runtime-env.js';
import { toolPoolOptions } from '../shared/execution/pool-contract.js';
import { createToolPool } from '../shared/execution/tool-pool.js';
import { createModelRouter } from '../shared/llm/model-router.js';
import { loadToolRegistry } from '../shared/plugins/tool-registry.js';
import { createLogger } from '../shared/telemetry/logger.js';
import { createToolCatalog } from './tools/tool-catalog.js';

/**
 * `toolgate check`: reads the config and its plugins as a gateway or worker would at startup (plugins are
 * imported, in a pool thread), without listening, connecting to Redis or starting upstream servers.
 * Returns the report to print; a problem throws `ConfigError` listing every one found.
 */
export async function checkConfig(flags: Partial<RuntimeEnv>): Promise<string> {
  const config = loadConfig({ flags });
  const logger = createLogger({ level: 'silent', name: 'toolgate-check' });
  const reader = createToolPool({ ...toolPoolOptions(config, logger), threads: 1 });
  const tools = await loadToolRegistry({ config, describe: reader.describe }).finally(() => reader.close());
  const warnings: string[] = [];
  createToolCatalog(tools, { onProblem: (message) => warnings.push(message) });
  const models = createModelRouter(config.models, config.env, config.routing);
  const list = (names: readonly string[]) => `${names.length}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
  return [
    `${config.file}: OK`,
    `  tools: ${list(tools.map((tool) => tool.name))}`,
    `  models: ${list(models.modelNames)}`,
    `  mcp_servers: ${list(config.upstreamServers.map((server) => server.name))} (not contacted)`,
    `  auth: ${config.masterKeySource ?? 'off'}`,
    ...[...config.warnings, ...models.warnings, ...warnings].map((warning) => `warning: ${warning}`),
  ].join('\n');
}
