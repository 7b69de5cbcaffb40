import { Worker, type Job } from 'bullmq';
import type { ToolPool } from '../shared/execution/pool-contract.js';
import type { Logger } from '../shared/telemetry/logger.js';

/**
 * A BullMQ worker whose jobs are taken by `startJobIntake` rather than by its own fetch loop, which takes
 * up to `concurrency` jobs whatever the pool can run. Processing, lock renewal, cancellation and stall
 * recovery stay BullMQ's.
 */
export class IntakeWorker<Data, Result> extends Worker<Data, Result> {
  /** Starts the lock renewal that `run()` would start: jobs taken by hand need their locks kept too. */
  startLockRenewal(): void {
    this.lockManager.start();
  }
}

export interface JobIntakeDeps<Data, Result> {
  readonly worker: IntakeWorker<Data, Result>;
  /** What runs the jobs of this queue (the thread pool, or the upstream connections): whether it has room. */
  readonly room: Pick<ToolPool, 'canStartNow' | 'onRoom'>;
  /**
   * Names this worker in each job's lock token (`<workerId>:<n>`), so a gateway can tell from Redis
   * which worker holds a job it has not heard from yet.
   */
  readonly workerId: string;
  /** At most this many jobs held at once (`WORKER_CONCURRENCY`); by default the pool alone decides. */
  readonly maxHeld: number | undefined;
  readonly logger: Logger;
}

export interface JobIntake {
  /** Jobs taken and not yet finished. */
  readonly held: number;
  /** Takes no more jobs and resolves once the held ones have finished. */
  stop(): Promise<void>;
}

/** How long to wait before fetching again after Redis refused a fetch. */
const FETCH_RETRY_MS = 500;

/**
 * Takes a job only when the pool can start one now, so that jobs this worker cannot run yet stay in the
 * queue for a worker that can. At most one job taken waits for a thread: an exclusive call
 * may find only shared room, and then nothing more is taken until it has started.
 */
export function startJobIntake<Data, Result>({
  worker,
  room,
  workerId,
  maxHeld,
  logger,
}: JobIntakeDeps<Data, Result>): JobIntake {
  let stopping = false;
  let held = 0;
  let tokens = 0;
  const running = new Set<Promise<unknown>>();
  let wake: (() => void) | undefined;

  const canTake = () => !stopping && (maxHeld === undefined || held < maxHeld) && room.canStartNow();
  const offRoom = room.onRoom(() => wake?.());
  const untilRoom = () =>
    new Promise<void>((resolve) => {
      if (stopping || canTake()) return resolve();
      wake = () => {
        if (!stopping && !canTake()) return;
        wake = undefined;
        resolve();
      };
    });

  const process = (job: Job<Data, Result>, token: string) => {
    held += 1;
    // fetchNext off: the next job is taken by the loop below, once the pool has room for it.
    const done = worker
      .processJob(job, token, () => false)
      .catch((error: unknown) => logger.warn({ err: error, jobId: job.id }, 'could not finish a job'))
      .finally(() => {
        held -= 1;
        running.delete(done);
        wake?.();
      });
    running.add(done);
  };

  const loop = async () => {
    while (!stopping) {
      await untilRoom();
      if (stopping) break;
      const token = `${workerId}:${tokens++}`;
      try {
        const job = await worker.getNextJob(token, { block: true });
        if (job) process(job, token);
      } catch (error) {
        if (stopping) break;
        logger.debug({ err: error }, 'could not take a job; retrying');
        await new Promise((resolve) => setTimeout(resolve, FETCH_RETRY_MS));
      }
    }
  };
  const looping = loop();

  return {
    get held() {
      return held;
    },
    async stop() {
      stopping = true;
      offRoom();
      wake?.();
      // A fetch in flight returns within the worker's `drainDelay`; a job it brings is run, not dropped.
      await looping;
      await Promise.all(running);
    },
  };
}
