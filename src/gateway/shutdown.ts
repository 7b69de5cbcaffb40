import type { Server } from 'node:http';
import type { Logger } from '../shared/telemetry/logger.js';
import type { ToolExecutor } from './executor/tool-executor.js';
import type { GatewayServices } from './services/gateway-services.js';
import type { GatewayBeats } from './status/gateway-beats.js';
import type { ToolInvoker } from './tools/tool-invoker.js';

/** How long shutdown waits for in-flight calls beyond the longest tool deadline. */
const SHUTDOWN_MARGIN_MS = 5_000;

export interface ShutdownDeps {
  readonly server: Server;
  readonly invoker: ToolInvoker;
  readonly services: GatewayServices;
  readonly beats: GatewayBeats;
  /** The longest any call may take: shutdown waits this long (and a margin) for calls in flight. */
  readonly longestCallMs: number;
  readonly tracing: { shutdown(): Promise<void> } | undefined;
  readonly logger: Logger;
}

/** Resolves once the executor cannot deliver results any more (Redis lost): waiting for calls is moot. */
function untilResultsUndeliverable(executor: ToolExecutor, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (executor.canDeliverResults()) return;
      clearInterval(check);
      logger.warn('Redis is unreachable: calls in flight cannot get their results; not waiting for them');
      resolve();
    }, 250);
    check.unref();
  });
}

/**
 * On SIGTERM or SIGINT: stop taking connections, let calls in flight finish (within their deadlines),
 * end the sessions, close the executor, and exit.
 */
export function shutDownOnSignals(deps: ShutdownDeps): void {
  const { server, invoker, services, logger } = deps;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight calls');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const bound = deps.longestCallMs + SHUTDOWN_MARGIN_MS;
    await Promise.race([invoker.drain(bound), untilResultsUndeliverable(services.executor, logger)]);
    // Closing Redis connections (presence, sessions, the executor) waits for Redis; one that is down, or
    // was never reached, must not hold the process.
    const gaveUp = setTimeout(() => {
      logger.warn('could not close the executor (is Redis down?); exiting');
      process.exit(1);
    }, 3 * SHUTDOWN_MARGIN_MS);
    // Sessions' SSE streams never end by themselves and would keep the server open; chat requests and
    // streams still in flight finish on their own, within the bound.
    await deps.beats.stop();
    await services.close();
    const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_MARGIN_MS);
    await closed;
    clearTimeout(forced);
    await services.executor.close();
    clearTimeout(gaveUp);
    await deps.tracing?.shutdown().catch(() => {});
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
