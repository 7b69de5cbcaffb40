import type { ToolgateConfig } from '../../shared/config/load-config.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import { createRedisConnection } from '../../shared/queue/redis-connection.js';
import { queueKeys } from '../../shared/queue/redis-keys.js';
import { callHeaderFilter } from '../../shared/upstream/forwarded-headers.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { createLegacySessions, type LegacySessions } from '../mcp/legacy-sessions.js';
import { createLocalSessionBus, startRedisSessionBus } from '../mcp/session-bus.js';
import { createMemorySessionRecords, createRedisSessionRecords, type SessionLimits } from '../mcp/session-records.js';
import { createMemoryStreamLog, createRedisStreamLog, type StreamLog } from '../mcp/stream-log.js';
import { createStreamableSessions, type StreamableSessions } from '../mcp/streamable-sessions.js';
import type { ViewResolver } from '../tools/tool-view.js';

/** MCP sessions of both transports, and the calls' SSE events kept for clients that resume a stream. */
export interface GatewaySessions {
  readonly streamable: StreamableSessions;
  readonly legacy: LegacySessions;
  readonly streamLog: StreamLog;
}

const sessionLimits = ({ settings }: ToolgateConfig): SessionLimits => ({
  perKey: settings.max_sessions_per_key,
  overall: settings.max_sessions,
});

/** Sessions in this process: embedded mode, or queue mode with `shared_sessions: false`. */
export function createMemorySessions(
  config: ToolgateConfig,
  resolveView: ViewResolver,
  logger: Logger,
): GatewaySessions {
  const idleMs = config.settings.session_idle_ms;
  const limits = sessionLimits(config);
  const bus = createLocalSessionBus();
  return {
    streamable: createStreamableSessions({ records: createMemorySessionRecords(idleMs, limits), bus, resolveView }),
    legacy: createLegacySessions({
      records: createMemorySessionRecords(idleMs, limits),
      bus,
      logger,
      headersForCall: callHeaderFilter(config.upstreamServers),
    }),
    streamLog: createMemoryStreamLog(config.settings.stream_retention_ms, config.settings.stream_log_max_bytes),
  };
}

/**
 * Sessions in Redis (queue mode): any gateway serves any streamable HTTP session, and passes legacy SSE
 * messages to the gateway holding the stream.
 */
export async function startRedisSessions(
  config: ToolgateConfig,
  redis: { readonly commands: RedisClient; readonly url: string },
  resolveView: ViewResolver,
  logger: Logger,
): Promise<GatewaySessions> {
  const idleMs = config.settings.session_idle_ms;
  const limits = sessionLimits(config);
  const keys = queueKeys(config.runtime.queuePrefix);
  const bus = await startRedisSessionBus({
    redis: redis.commands,
    subscriber: createRedisConnection(redis.url, 'subscriber', logger),
    channel: keys.sessionBus,
    logger,
  });
  return {
    streamable: createStreamableSessions({
      records: createRedisSessionRecords(redis.commands, keys.session, keys.openSessions, idleMs, limits, logger),
      bus,
      resolveView,
    }),
    legacy: createLegacySessions({
      records: createRedisSessionRecords(
        redis.commands,
        keys.legacySession,
        keys.openLegacySessions,
        idleMs,
        limits,
        logger,
      ),
      bus,
      logger,
      headersForCall: callHeaderFilter(config.upstreamServers),
    }),
    streamLog: createRedisStreamLog(
      redis.commands,
      keys.stream,
      config.settings.stream_retention_ms,
      config.settings.stream_log_max_bytes,
      logger,
    ),
  };
}
