import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { readPresence } from '../../shared/queue/presence.js';
import type { WorkerBeat } from '../../shared/queue/worker-beat.js';
import { WORKER_HEARTBEAT_MS } from '../../shared/queue/tool-call-job.js';
import { queueKeys } from '../../shared/queue/redis-keys.js';
import { createWorkerCatalogs, type ExpectedTarget } from './worker-catalogs.js';

export interface QueueState {
  /** Workers whose heartbeat has not expired. */
  readonly liveWorkers: ReadonlySet<string>;
  /** Their latest heartbeats: who they are and their counts. */
  readonly beats: readonly WorkerBeat[];
  /** Jobs waiting for a worker, on every queue. */
  readonly depth: number;
  /** Whether the last look at Redis succeeded. */
  readonly redisReachable: boolean;
  /** Whether a live worker can run what a target key names (see `WorkerCatalogs.canRun`). */
  readonly canRun: (targetKey: string) => boolean;
}

export interface WorkerMonitor {
  readonly state: QueueState;
  /** Looks at Redis now (also done every second). */
  refresh(): Promise<QueueState>;
  stop(): void;
}

/**
 * Watches worker heartbeats, their catalogs and queue depth every second, for backpressure, readiness,
 * worker loss and calls no worker can run.
 */
export function startWorkerMonitor(options: {
  redis: RedisClient;
  queues: readonly Queue[];
  prefix: string;
  logger: Logger;
  /** What this gateway serves, to compare with what the workers can run. */
  expected: () => Iterable<ExpectedTarget>;
  onChange: (state: QueueState) => void;
}): WorkerMonitor {
  const { redis, queues, logger, onChange } = options;
  const keys = queueKeys(options.prefix);
  const catalogs = createWorkerCatalogs({ redis, keys, logger, expected: options.expected });
  let state: QueueState = {
    liveWorkers: new Set(),
    beats: [],
    depth: 0,
    redisReachable: false,
    canRun: () => false,
  };

  const refresh = async (): Promise<QueueState> => {
    try {
      const [workers, ...depths] = await Promise.all([
        readPresence<WorkerBeat>(redis, keys.workerPresence),
        ...queues.map((queue) => queue.getWaitingCount()),
      ]);
      const depth = depths.reduce((sum, count) => sum + count, 0);
      const beats = workers.payloads;
      await catalogs.update(beats);
      state = {
        liveWorkers: new Set(workers.ids),
        beats,
        depth,
        redisReachable: true,
        canRun: (key) => catalogs.canRun(beats, key),
      };
    } catch (error) {
      logger.debug({ err: error }, 'queue monitor could not reach redis');
      state = { ...state, redisReachable: false };
    }
    onChange(state);
    return state;
  };

  const timer = setInterval(() => void refresh(), WORKER_HEARTBEAT_MS);
  timer.unref();
  return {
    get state() {
      return state;
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
