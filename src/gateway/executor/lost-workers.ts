import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { queueKeys } from '../../shared/queue/redis-keys.js';
import { callFailure } from '../../shared/call/call-outcome.js';
import { WORKER_LOST_MESSAGE } from '../../shared/queue/tool-call-job.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { PendingCall } from './pending-call.js';
import type { QueueState } from './worker-monitor.js';

/** A call not heard of this long after it was queued is looked up in Redis: has a worker taken it? */
const UNSTARTED_LOOKUP_AFTER_MS = 1_000;

/** The worker id in a job's lock token (`<workerId>:<n>`, as the worker's intake writes it). */
function lockHolder(token: string | null): string | undefined {
  if (token === null) return undefined;
  const separator = token.lastIndexOf(':');
  return separator > 0 ? token.slice(0, separator) : undefined;
}

/**
 * Fails the calls of workers that died, as soon as the queue state shows it: a call whose worker's
 * heartbeat expired, and a call whose job's lock names a dead worker that never said it took the job.
 * Returns what to run on each new queue state.
 */
export function watchForLostWorkers(deps: {
  readonly pending: ReadonlyMap<string, PendingCall>;
  readonly redis: RedisClient;
  readonly keys: ReturnType<typeof queueKeys>;
  readonly logger: Logger;
}): (state: QueueState) => void {
  const { pending, redis, keys, logger } = deps;
  const failIfHolderDied = (call: PendingCall, state: QueueState) => {
    if (call.workerId === undefined || state.liveWorkers.has(call.workerId)) return;
    // A retryable job goes back to the queue through BullMQ's stall check; anything else, or a job
    // whose second worker died too, fails now rather than at its deadline.
    if (call.retryable && call.starts < 2) call.workerId = undefined;
    else call.settle(callFailure('worker_lost', WORKER_LOST_MESSAGE));
  };

  /**
   * A worker that dies between taking a job and saying so leaves the job's lock naming it: read the locks
   * of calls not heard of, so those are failed as quickly as the ones that had started.
   */
  const findUnannouncedHolders = async (state: QueueState) => {
    const now = Date.now();
    const unheard = [...pending].filter(
      ([, call]) =>
        call.workerId === undefined && call.starts === 0 && now - call.enqueuedAt >= UNSTARTED_LOOKUP_AFTER_MS,
    );
    if (unheard.length === 0) return;
    let tokens: (string | null)[];
    try {
      tokens = await redis.mget(...unheard.map(([jobId, call]) => call.queue.toKey(`${jobId}:lock`)));
    } catch (error) {
      logger.debug({ err: error }, 'could not read job locks');
      return;
    }
    for (const [index, [jobId, call]] of unheard.entries()) {
      const holder = lockHolder(tokens[index] ?? null);
      if (holder === undefined || pending.get(jobId) !== call || call.workerId !== undefined) continue;
      // A worker that announced itself after the monitor looked is alive: ask its heartbeat directly.
      const alive =
        state.liveWorkers.has(holder) || (await redis.exists(keys.workerPresence.beat(holder)).catch(() => 1)) === 1;
      if (pending.get(jobId) !== call || call.workerId !== undefined) continue;
      call.workerId = holder;
      call.starts += 1;
      if (!alive) failIfHolderDied(call, state);
    }
  };

  const onQueueState = (state: QueueState) => {
    if (!state.redisReachable) return;
    for (const call of pending.values()) failIfHolderDied(call, state);
    void findUnannouncedHolders(state);
  };

  return onQueueState;
}
