import { checkedRedisUrl, keyPrefixFor } from './redis-url.js';
import { availableParallelism } from 'node:os';
import type { EnvSnapshot } from './secret.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Process settings that come from the environment rather than the config file. */
export interface RuntimeEnv {
  readonly port: number;
  readonly host: string;
  readonly configPath: string;
  readonly pluginsDir: string;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key toolgate and BullMQ use, so several deployments can share one Redis. */
  readonly queuePrefix: string;
  readonly logLevel: LogLevel;
  /** Piscina threads per process. */
  readonly workerThreads: number;
  /**
   * At most this many jobs a worker process holds at once (`WORKER_CONCURRENCY`). Unset, a worker takes
   * jobs while its pool can start them, which is what most deployments want.
   */
  readonly workerConcurrency: number | undefined;
  /** A worker serves its Prometheus metrics on this port (`WORKER_METRICS_PORT`); unset, it serves none. */
  readonly workerMetricsPort: number | undefined;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function positiveInt(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * Reads the `PORT`, `HOST`, `CONFIG`, … environment overrides. `flags` (from the CLI) win over the
 * environment, which wins over the defaults.
 */
export function readRuntimeEnv(env: EnvSnapshot, flags: Partial<RuntimeEnv> = {}): RuntimeEnv {
  const logLevel = (flags.logLevel ?? (env.LOG_LEVEL || 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const port = flags.port ?? (env.PORT ? Number(env.PORT) : 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(
      flags.port === undefined
        ? `PORT must be a port number (0 to 65535), got "${env.PORT}"`
        : `--port must be a port number (0 to 65535), got "${flags.port}"`,
    );
  const workerThreads = positiveInt(env.WORKER_THREADS, 'WORKER_THREADS', Math.max(2, availableParallelism()));
  return {
    port,
    host: flags.host ?? (env.HOST || '127.0.0.1'),
    configPath: flags.configPath ?? (env.CONFIG || 'config/config.yaml'),
    pluginsDir: flags.pluginsDir ?? (env.PLUGINS_DIR || 'plugins'),
    redisUrl: env.REDIS_URL ? checkedRedisUrl(env.REDIS_URL) : undefined,
    queuePrefix: keyPrefixFor(env.QUEUE_PREFIX || 'toolgate', env.REDIS_URL || undefined),
    logLevel,
    workerThreads,
    workerConcurrency: env.WORKER_CONCURRENCY
      ? positiveInt(env.WORKER_CONCURRENCY, 'WORKER_CONCURRENCY', 1)
      : undefined,
    workerMetricsPort: env.WORKER_METRICS_PORT
      ? positiveInt(env.WORKER_METRICS_PORT, 'WORKER_METRICS_PORT', 1)
      : undefined,
  };
}
