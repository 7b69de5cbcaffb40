import type { RedisClient } from '../shared/queue/redis-connection.js';
import { REPLY_TTL_SECONDS, type ToolCallReply } from '../shared/queue/tool-call-job.js';
import { queueKeys } from '../shared/queue/redis-keys.js';

export type SendReply = (replyTo: string, reply: ToolCallReply) => Promise<void>;

/** How often a reply list's expiry is pushed forward; far below its TTL, far above the call rate. */
const EXPIRE_REFRESH_MS = 60_000;

/**
 * Pushes replies onto the waiting gateway's list (on the shared auto-pipelined connection). The list's
 * expiry, which cleans up after a vanished gateway, is refreshed once a minute rather than per reply.
 */
export function createReplySender(redis: RedisClient, prefix: string): SendReply {
  const keys = queueKeys(prefix);
  const expiryRefreshedAt = new Map<string, number>();
  return async (replyTo, reply) => {
    const key = keys.replies(replyTo);
    const pushed = redis.lpush(key, JSON.stringify(reply));
    const now = Date.now();
    if (now - (expiryRefreshedAt.get(key) ?? 0) > EXPIRE_REFRESH_MS) {
      expiryRefreshedAt.set(key, now);
      await Promise.all([pushed, redis.expire(key, REPLY_TTL_SECONDS)]);
    } else {
      await pushed;
    }
  };
}
