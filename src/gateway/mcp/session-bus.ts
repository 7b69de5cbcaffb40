import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { Principal } from '../keys/principal.js';

/** What one gateway tells the others about sessions: each acts on what it holds and ignores the rest. */
export type SessionMessage =
  /** A client cancelled a call; the gateway running it aborts it. */
  | { readonly type: 'cancel'; readonly sessionId: string; readonly requestId: string | number }
  /** A session was deleted; gateways end its calls and streams. */
  | { readonly type: 'closed'; readonly sessionId: string }
  /** A session's record changed (its log level); gateways read it again. */
  | { readonly type: 'changed'; readonly sessionId: string }
  /** A legacy-SSE client posted a message to a gateway other than the one holding its stream. */
  | {
      readonly type: 'legacy-message';
      readonly sessionId: string;
      readonly message: JSONRPCMessage;
      /** Who posted it, as the posting gateway authenticated them: never a credential. */
      readonly principal: Principal;
      /** Only the client headers a call needs (request id, trace context, headers upstream servers get). */
      readonly headers: Record<string, string | string[] | undefined>;
    };

export interface SessionBus {
  publish(message: SessionMessage): Promise<void>;
  onMessage(listener: (message: SessionMessage) => void): void;
  close(): Promise<void>;
}

/** One gateway: messages go straight to its own listeners. */
export function createLocalSessionBus(): SessionBus {
  const listeners = new Set<(message: SessionMessage) => void>();
  return {
    publish: async (message) => {
      for (const listener of listeners) listener(message);
    },
    onMessage: (listener) => void listeners.add(listener),
    close: async () => listeners.clear(),
  };
}

/** Every gateway: one pub/sub channel, which each gateway (this one too) hears. */
export async function startRedisSessionBus(options: {
  redis: RedisClient;
  subscriber: RedisClient;
  channel: string;
  logger: Logger;
}): Promise<SessionBus> {
  const { redis, subscriber, channel, logger } = options;
  const listeners = new Set<(message: SessionMessage) => void>();
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    let message: SessionMessage;
    try {
      message = JSON.parse(raw) as SessionMessage;
    } catch {
      logger.warn({ channel }, 'unreadable session message; ignored');
      return;
    }
    for (const listener of listeners) listener(message);
  });
  // Not awaited: with Redis down at startup the gateway serves what it can meanwhile; the subscription
  // is made once Redis answers (and made again after every reconnection).
  subscriber
    .subscribe(channel)
    .catch((error: unknown) => logger.warn({ err: error, channel }, 'could not subscribe to session messages'));
  return {
    publish: async (message) => void (await redis.publish(channel, JSON.stringify(message))),
    onMessage: (listener) => void listeners.add(listener),
    close: async () => {
      listeners.clear();
      await subscriber.quit().catch(() => {});
    },
  };
}
