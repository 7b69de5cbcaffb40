import { UnrecoverableError, type Job } from 'bullmq';
import { callFailure } from '../shared/call/call-outcome.js';
import type { ToolRunner } from '../shared/execution/tool-runner.js';
import type { Logger } from '../shared/telemetry/logger.js';
import {
  UPSTREAM_REQUEST_JOB,
  WORKER_LOST_MESSAGE,
  type QueueJobData,
  type ToolCallJobData,
  type ToolCallReply,
  type UpstreamRequestJobData,
} from '../shared/queue/tool-call-job.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { outcomeLabel } from '../shared/call/outcome-label.js';
import { continuedFrom, inSpan } from '../shared/telemetry/tracing.js';
import { createEventForwarder } from './event-forwarder.js';
import type { WorkerStats } from './worker-stats.js';
import type { SendReply } from './reply-sender.js';

export interface JobProcessorDeps {
  readonly runner: ToolRunner;
  readonly sendReply: SendReply;
  readonly workerId: string;
  readonly logger: Logger;
  readonly stats: WorkerStats;
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
export function createJobProcessor({ runner, sendReply, workerId, logger, stats }: JobProcessorDeps) {
  const processJob = async (
    job: Job<QueueJobData>,
    signal: AbortSignal | undefined,
    span: Span | undefined,
  ): Promise<ToolCallJobSummary> => {
    const jobId = job.id ?? '';
    if (job.name === UPSTREAM_REQUEST_JOB) {
      // Forwarded requests are reads: a job back after its worker died runs again; nothing streams.
      const {
        retryable: _retryable,
        replyTo,
        traceContext: _traceContext,
        ...request
      } = job.data as UpstreamRequestJobData & QueueJobData;
      await sendReply(replyTo, { type: 'started', jobId, workerId, attempt: job.attemptsStarted });
      const outcome = await inSpan(
        () => ({
          name: `upstream ${request.server} ${request.method}`,
          attributes: { 'mcp.method.name': request.method, 'toolgate.upstream.server': request.server },
        }),
        () => runner.forward(request, signal),
      );
      await sendReply(replyTo, { type: 'result', jobId, outcome });
      return { ok: outcome.ok };
    }
    const data = job.data as ToolCallJobData & QueueJobData;
    span?.setAttribute('gen_ai.tool.name', data.tool);
    // Plain bindings rather than a child logger: this runs for every job and rarely logs.
    const where = { jobId, requestId: data.requestId, tool: data.tool };

    if (job.attemptsStarted > 1 && !data.retryable) {
      const lost = callFailure('worker_lost', WORKER_LOST_MESSAGE);
      await sendReply(data.replyTo, { type: 'result', jobId, outcome: lost });
      logger.warn(
        { ...where, attempt: job.attemptsStarted },
        'job returned after its worker died; not running a non-idempotent tool again',
      );
      throw new UnrecoverableError(WORKER_LOST_MESSAGE);
    }

    const sendQuietly = (reply: ToolCallReply) => {
      sendReply(data.replyTo, reply).catch((error: unknown) =>
        logger.warn({ ...where, err: error, type: reply.type }, 'could not send a reply'),
      );
    };
    // Not awaited: replies share one connection, so this still reaches the gateway before the result,
    // and the tool does not wait a round trip to start.
    sendQuietly({ type: 'started', jobId, workerId, attempt: job.attemptsStarted });
    const forwarder = createEventForwarder((event) => sendQuietly({ type: 'event', jobId, event }));
    const started = Date.now();
    const { retryable: _retryable, replyTo: _replyTo, traceContext: _traceContext, ...run } = data;
    const describe = () => ({
      name: run.target.kind === 'upstream' ? `upstream ${run.target.server}` : `plugin ${run.tool}`,
      attributes: { 'gen_ai.tool.name': run.tool },
    });
    const outcome = await inSpan(describe, async (callSpan) => {
      const ran = await runner.run(run, { signal, onEvent: forwarder.onEvent });
      callSpan?.setAttribute('toolgate.tool.outcome', outcomeLabel(ran));
      return ran;
    });
    forwarder.flush();
    await sendReply(data.replyTo, { type: 'result', jobId, outcome });
    const label = outcomeLabel(outcome);
    span?.setAttribute('toolgate.tool.outcome', label);
    stats.callFinished(data.tool, label, (Date.now() - started) / 1000);
    // The gateway logs every call with its outcome; this is the worker's side of it, for debugging.
    logger.debug(
      { ...where, ok: outcome.ok, kind: outcome.ok ? undefined : outcome.error.kind, durationMs: Date.now() - started },
      'job done',
    );
    return { ok: outcome.ok };
  };

  // Each job continues the trace its gateway started (the job carries its context); its span is the
  // worker's part of the call, around the plugin's or upstream server's.
  return async (job: Job<QueueJobData>, _token?: string, signal?: AbortSignal): Promise<ToolCallJobSummary> => {
    stats.jobStarted(job.queueName);
    try {
      const describe = () => ({
        name: `process ${job.queueName}`,
        kind: SpanKind.CONSUMER,
        parent: continuedFrom(job.data.traceContext),
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.destination.name': job.queueName,
          'messaging.message.id': job.id ?? '',
          'toolgate.worker.id': workerId,
        },
      });
      return await inSpan(describe, (span) => processJob(job, signal, span));
    } finally {
      stats.jobEnded();
    }
  };
}
