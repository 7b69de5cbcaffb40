import { UnrecoverableError, type Job } from 'bullmq';
import { callFailure } from '../shared/execution/thread-protocol.js';
import type { ToolRunner } from '../shared/execution/tool-runner.js';
import type { Logger } from '../shared/logger.js';
import { UPSTREAM_REQUEST_JOB, WORKER_LOST_MESSAGE, type QueueJobData, type ToolCallJobData, type ToolCallReply, type UpstreamRequestJobData } from '../shared/queue/tool-call-job.js';
import { createEventForwarder } from './event-forwarder.js';
import type { SendReply } from './reply-sender.js';

export interface JobProcessorDeps {
  readonly runner: ToolRunner;
  readonly sendReply: SendReply;
  readonly workerId: string;
  readonly logger: Logger;
}

/** What BullMQ stores as the job's return value: the outcome went to the gateway already. */
export interface ToolCallJobSummary {
  readonly ok: boolean;
}

/**
 * Runs a `call_tool` job (in the thread pool, or on an upstream server) or an `mcp_request` job, and replies to its gateway. Handler failures are results, not
 * throws, so BullMQ never retries a tool by itself. A job that comes back after its worker died runs again
 * only if the tool is read-only or idempotent; otherwise it fails with "worker lost".
 */
export function createJobProcessor({ runner, sendReply, workerId, logger }: JobProcessorDeps) {
  return async (job: Job<QueueJobData>, _token?: string, signal?: AbortSignal): Promise<ToolCallJobSummary> => {
    const jobId = job.id ?? '';
    if (job.name === UPSTREAM_REQUEST_JOB) {
      // Forwarded requests are reads: a job back after its worker died runs again; nothing streams.
      const { retryable: _retryable, replyTo, ...request } = job.data as UpstreamRequestJobData;
      await sendReply(replyTo, { type: 'started', jobId, workerId, attempt: job.attemptsStarted });
      const outcome = await runner.forward(request, signal);
      await sendReply(replyTo, { type: 'result', jobId, outcome });
      return { ok: outcome.ok };
    }
    const data = job.data as ToolCallJobData;
    // Plain bindings rather than a child logger: this runs for every job and rarely logs.
    const where = { jobId, requestId: data.requestId, tool: data.tool };

    if (job.attemptsStarted > 1 && !data.retryable) {
      const lost = callFailure('worker_lost', WORKER_LOST_MESSAGE);
      await sendReply(data.replyTo, { type: 'result', jobId, outcome: lost });
      logger.warn({ ...where, attempt: job.attemptsStarted }, 'job returned after its worker died; not running a non-idempotent tool again');
      throw new UnrecoverableError(WORKER_LOST_MESSAGE);
    }

    const sendQuietly = (reply: ToolCallReply) => {
      sendReply(data.replyTo, reply).catch((error: unknown) => logger.warn({ ...where, err: error, type: reply.type }, 'could not send a reply'));
    };
    // Not awaited: replies share one connection, so this still reaches the gateway before the result,
    // and the tool does not wait a round trip to start.
    sendQuietly({ type: 'started', jobId, workerId, attempt: job.attemptsStarted });
    const forwarder = createEventForwarder((event) => sendQuietly({ type: 'event', jobId, event }));
    const started = Date.now();
    const { retryable: _retryable, replyTo: _replyTo, ...run } = data;
    const outcome = await runner.run(run, { signal, onEvent: forwarder.onEvent });
    forwarder.flush();
    await sendReply(data.replyTo, { type: 'result', jobId, outcome });
    // The gateway logs every call with its outcome; this is the worker's side of it, for debugging.
    logger.debug({ ...where, ok: outcome.ok, kind: outcome.ok ? undefined : outcome.error.kind, durationMs: Date.now() - started }, 'job done');
    return { ok: outcome.ok };
  };
}
