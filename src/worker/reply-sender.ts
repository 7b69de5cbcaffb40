import type { Redis } from 'ioredis';
import { queueKeys, REPLY_TTL_SECONDS, type ToolCallReply } from '../shared/queue/tool-call-job.js';

export type SendReply = (replyTo: string, reply: ToolCallReply) => Promise<void>;

/**
 * Pushes replies onto the waiting gateway's list. On the shared auto-pipelined connection the LPUSH and
 * EXPIRE go out in one round trip with whatever else is pending.
 */
export function createReplySender(redis: Redis, prefix: string): SendReply {
  const keys = queueKeys(prefix);
  return async (replyTo, reply) => {
    const key = keys.replies(replyTo);
    await Promise.all([redis.lpush(key, JSON.stringify(reply)), redis.expire(key, REPLY_TTL_SECONDS)]);
  };
}
