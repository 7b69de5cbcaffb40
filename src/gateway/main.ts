import type { AddressInfo } from 'node:net';
import { loadConfig } from '../shared/config/load-config.js';
import type { RuntimeEnv } from '../shared/config/runtime-env.js';
import { createToolPool } from '../shared/execution/tool-pool.js';
import { createLogger } from '../shared/logger.js';
import { packageVersion } from '../shared/package-version.js';
import { loadToolRegistry } from '../shared/plugins/tool-registry.js';
import { createApp } from './app.js';
import { createEmbeddedExecutor } from './executor/embedded-executor.js';
import { createSessionStore } from './mcp/session-store.js';
import { createToolCatalog } from './tools/tool-catalog.js';
import { createToolInvoker } from './tools/tool-invoker.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Composition root of the gateway: config, logger, executor, app, listen, signals. */
export async function runGateway(flags: Partial<RuntimeEnv> = {}): Promise<void> {
  const config = loadConfig({ flags });
  const { runtime, settings } = config;
  const logger = createLogger({ level: runtime.logLevel, name: 'toolgate-gateway' });
  for (const warning of config.warnings) logger.warn(warning);

  const pool = createToolPool({
    threads: runtime.workerThreads,
    heapMb: settings.plugin_heap_mb,
    cancelGraceMs: settings.cancel_grace_ms,
    pluginsDir: runtime.pluginsDir,
    maxResultBytes: settings.max_result_bytes,
  });
  let catalog;
  try {
    catalog = createToolCatalog(await loadToolRegistry({ config, describe: pool.describe }));
  } catch (error) {
    await pool.close();
    throw error;
  }
  const executor = createEmbeddedExecutor({ pool, maxQueueDepth: settings.max_queue_depth });
  const sessions = createSessionStore({ idleMs: settings.session_idle_ms });
  const invoker = createToolInvoker({ catalog, executor, logger });
  const app = createApp({
    logger,
    settings,
    masterKey: config.masterKey,
    bindHost: runtime.host,
    catalog,
    invoker,
    executor,
    sessions,
    version: packageVersion,
  });

  const server = app.listen(runtime.port, runtime.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    { url: `http://${host}:${address.port}`, mode: executor.mode, tools: catalog.tools.map((tool) => tool.name), auth: config.masterKey !== undefined },
    'toolgate gateway listening',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Open SSE streams would keep the server from ever closing.
    await sessions.closeAll();
    const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await closed;
    clearTimeout(forced);
    await executor.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
