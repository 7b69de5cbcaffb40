import type { Span } from '@opentelemetry/api';
import type { Queue } from 'bullmq';
import type { CallOutcome } from '../../shared/call/call-outcome.js';
import type { QueueJobData } from '../../shared/queue/tool-call-job.js';
import type { ExecutionHooks } from './tool-executor.js';

/** A queued call this gateway waits for, by job id. */
export interface PendingCall {
  readonly settle: (outcome: CallOutcome<unknown>) => void;
  readonly hooks: ExecutionHooks;
  readonly retryable: boolean;
  /** The worker running it now, from its `started` reply or its job's lock. */
  workerId: string | undefined;
  starts: number;
  readonly enqueuedAt: number;
  /** The queue its job is on. */
  readonly queue: Queue<QueueJobData>;
  /** Its time on the queue, ended when a worker says it took it (or the call ends first). */
  readonly waitSpan: Span | undefined;
  /** Whether a worker has said it took the job (its lock may have told us who, sooner). */
  announced: boolean;
}
