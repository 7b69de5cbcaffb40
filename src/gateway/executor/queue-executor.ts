import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import { AppError } from '../../shared/errors.js';
import { callFailure, CANCELLED, timedOut, type CallOutcome } from '../../shared/call/call-outcome.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { startSpan, traceCarrier, withSpan } from '../../shared/telemetry/tracing.js';
import {
  CALL_TOOL_JOB,
  UPSTREAM_REQUEST_JOB,
  type QueueJobData,
  type ToolCallJobData,
  type ToolCallReply,
  type UpstreamRequestJobData,
} from '../../shared/queue/tool-call-job.js';
import { queueKeys } from '../../shared/queue/redis-keys.js';
import type { CallToolResult } from '../../shared/call/tool-result.js';
import type { ForwardedResult } from '../../shared/call/forwarded-request.js';
import { toolRunOf, type ExecutionHooks, type ToolExecutor } from './tool-executor.js';
import { startReplyReader, watchRedisVersion } from './reply-reader.js';
import { watchForLostWorkers } from './lost-workers.js';
import type { PendingCall } from './pending-call.js';
import { startWorkerMonitor, type QueueState } from './worker-monitor.js';
import type { ExpectedTarget } from './worker-catalogs.js';
import { targetKey, upstreamTargetKey } from '../../shared/queue/worker-catalog.js';

export interface QueueExecutorDeps {
  /** One queue per kind of target: plugin calls and upstream calls are taken by workers separately. */
  readonly queues: { readonly plugin: Queue<ToolCallJobData>; readonly upstream: Queue<QueueJobData> };
  /** The shared, auto-pipelined command connection (also used to publish cancellations). */
  readonly redis: RedisClient;
  /** A connection of its own for the blocking reply reads. */
  readonly blockingRedis: RedisClient;
  readonly prefix: string;
  /** Names this gateway's reply list. */
  readonly gatewayId: string;
  readonly maxQueueDepth: number;
  /** What this gateway serves, to compare with what the live workers can run. */
  readonly expectedTargets: () => Iterable<ExpectedTarget>;
  readonly logger: Logger;
  /** Runs first when the executor closes (stops what reads Redis beside it). */
  readonly onClose?: () => void;
}

export interface QueueExecutor extends ToolExecutor {
  /** The latest look at workers and queue depth, for metrics. */
  readonly queueState: QueueState;
}

function unavailable(message: string): AppError {
  return new AppError('unavailable', message, { retryAfterSeconds: 1 });
}

/**
 * Runs tool calls as `call_tool` BullMQ jobs. Replies (start, events, result) come back on this gateway's
 * own list; the deadline and cancellation are enforced here as well as on the worker, so a call always
 * ends by its deadline whatever happens to Redis or the worker.
 */
export async function startQueueExecutor(deps: QueueExecutorDeps): Promise<QueueExecutor> {
  const { queues, redis, logger } = deps;
  const redisProblem = watchRedisVersion(redis, logger);
  const keys = queueKeys(deps.prefix);
  const pending = new Map<string, PendingCall>();
  const onQueueState = watchForLostWorkers({ pending, redis, keys, logger });

  const onReply = (reply: ToolCallReply) => {
    const call = pending.get(reply.jobId);
    if (!call) return;
    if (reply.type === 'started') {
      if (!call.announced) {
        call.announced = true;
        call.waitSpan?.setAttribute('toolgate.worker.id', reply.workerId);
        call.waitSpan?.end();
        call.hooks.onStarted?.({ workerId: reply.workerId, queuedMs: Date.now() - call.enqueuedAt });
      }
      call.workerId = reply.workerId;
      // The attempt may already be counted, from the job's lock.
      call.starts = Math.max(call.starts, reply.attempt);
    } else if (reply.type === 'event') {
      call.hooks.onEvent?.(reply.event);
    } else {
      call.settle(reply.outcome);
    }
  };

  const reader = startReplyReader({ redis: deps.blockingRedis, key: keys.replies(deps.gatewayId), onReply, logger });
  const monitor = startWorkerMonitor({
    redis,
    queues: [queues.plugin, queues.upstream],
    prefix: deps.prefix,
    logger,
    expected: deps.expectedTargets,
    onChange: onQueueState,
  });
  await monitor.refresh();

  /** Removes a waiting job; asks the workers to cancel an active one. */
  const cancelJob = async (jobId: string, queue: Queue<QueueJobData>) => {
    try {
      const removed = await queue.remove(jobId);
      if (removed === 0) await redis.publish(keys.cancel, jobId);
    } catch (error) {
      logger.warn({ err: error, jobId }, 'could not cancel job');
    }
  };

  /**
   * Queues a job and resolves with its outcome: the worker's reply, or the deadline, the cancellation or
   * the worker's death, whichever comes first.
   */
  const enqueue = async <Result>(
    job: { name: string; data: QueueJobData; queue: Queue<QueueJobData>; target: { key: string; what: string } },
    hooks: ExecutionHooks,
  ): Promise<CallOutcome<Result>> => {
    const state = monitor.state;
    if (redis.status !== 'ready' || !state.redisReachable)
      throw unavailable('Redis is unavailable: tool calls cannot be queued right now');
    const problem = redisProblem();
    if (problem !== undefined) throw unavailable(problem);
    if (state.liveWorkers.size === 0)
      throw unavailable('No live workers: start one with `toolgate worker` (REDIS_URL set)');
    if (!state.canRun(job.target.key))
      throw unavailable(
        `No live worker can run ${job.target.what}: the workers were started with a config or plugins that lack it (run workers with the gateway's config; the gateway's log names theirs)`,
      );
    if (state.depth >= deps.maxQueueDepth)
      throw unavailable(`The tool queue is full (max_queue_depth ${deps.maxQueueDepth}); retry shortly`);

    const jobId = randomUUID();
    const { queue } = job;
    // The job carries the wait's trace context: the worker's spans are its children.
    const waitSpan = startSpan(() => ({
      name: `queue ${queue.name}`,
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.destination.name': queue.name,
        'messaging.message.id': jobId,
      },
    }));
    const traceContext = withSpan(waitSpan, traceCarrier);
    const data = traceContext ? { ...job.data, traceContext } : job.data;
    const outcome = new Promise<CallOutcome<Result>>((resolve) => {
      const finish = (result: CallOutcome<unknown>) => {
        const call = pending.get(jobId);
        if (!call) return;
        pending.delete(jobId);
        if (!call.announced) waitSpan?.end();
        clearTimeout(deadlineTimer);
        hooks.signal?.removeEventListener('abort', onCancel);
        // The worker ran the job this kind of job names, and answered with its kind of result.
        resolve(result as CallOutcome<Result>);
      };
      const onCancel = () => {
        finish(CANCELLED);
        void cancelJob(jobId, queue);
      };
      const deadlineTimer = setTimeout(() => {
        finish(timedOut(data.timeoutMs));
        void cancelJob(jobId, queue);
      }, data.deadline - Date.now());
      hooks.signal?.addEventListener('abort', onCancel, { once: true });
      pending.set(jobId, {
        settle: finish,
        hooks,
        retryable: data.retryable,
        workerId: undefined,
        starts: 0,
        enqueuedAt: Date.now(),
        queue,
        waitSpan,
        announced: false,
      });
    });
    hooks.onQueued?.({ jobId, replyTo: deps.gatewayId });

    try {
      // attempts: 1 — BullMQ never reruns a job by itself; only stall recovery does, under our rules.
      await queue.add(job.name, data, {
        jobId,
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: { age: 3600, count: 1000 },
      });
    } catch (error) {
      pending.get(jobId)?.settle(callFailure('cancelled', 'not queued'));
      logger.warn({ err: error, requestId: data.requestId }, 'could not enqueue a job');
      throw unavailable('Redis is unavailable: tool calls cannot be queued right now');
    }
    return outcome;
  };

  return {
    mode: 'queue',

    execute(execution, hooks = {}) {
      const { tool } = execution;
      const retryable = tool.annotations?.readOnlyHint === true || tool.annotations?.idempotentHint === true;
      const data: ToolCallJobData = { ...toolRunOf(execution), retryable, replyTo: deps.gatewayId };
      return enqueue<CallToolResult>(
        {
          name: CALL_TOOL_JOB,
          data,
          queue: tool.target.kind === 'upstream' ? queues.upstream : queues.plugin,
          target: { key: targetKey(tool.target), what: `tool "${tool.name}"` },
        },
        hooks,
      );
    },

    forward(request, hooks = {}) {
      // Reads and completions change nothing upstream: safe to run again after a worker died.
      const data: UpstreamRequestJobData = { ...request, retryable: true, replyTo: deps.gatewayId };
      return enqueue<ForwardedResult>(
        {
          name: UPSTREAM_REQUEST_JOB,
          data,
          queue: queues.upstream,
          target: { key: upstreamTargetKey(request.server), what: `requests to MCP server "${request.server}"` },
        },
        hooks,
      );
    },

    async readiness() {
      const state = await monitor.refresh();
      const problem = redisProblem();
      const ready = state.redisReachable && problem === undefined && state.liveWorkers.size > 0;
      const reason = !state.redisReachable
        ? 'Redis does not answer (REDIS_URL); calls are refused until it does'
        : (problem ?? (state.liveWorkers.size === 0 ? 'no live workers: start one with `toolgate worker`' : undefined));
      return {
        ready,
        detail: {
          mode: 'queue',
          ...(reason !== undefined && { reason }),
          redis: state.redisReachable ? (problem === undefined ? 'ok' : 'unsupported') : 'unreachable',
          workers: state.liveWorkers.size,
          queueDepth: state.depth,
          inFlight: pending.size,
        },
      };
    },

    canDeliverResults: () => redis.status === 'ready' && monitor.state.redisReachable,

    async recoverOutcome({ jobId, replyTo }) {
      // A live gateway drains its list within moments; a dead one leaves every reply there until it expires.
      const replies = await redis.lrange(keys.replies(replyTo), 0, -1);
      for (const raw of replies) {
        const reply = JSON.parse(raw) as ToolCallReply;
        if (reply.type === 'result' && reply.jobId === jobId) return reply.outcome as CallOutcome;
      }
      return undefined;
    },

    get queueState() {
      return monitor.state;
    },

    async close() {
      deps.onClose?.();
      monitor.stop();
      for (const call of pending.values()) call.settle(callFailure('cancelled', 'gateway shutting down'));
      await reader.stop();
      await Promise.all([queues.plugin.close(), queues.upstream.close()]);
      await redis.quit().catch(() => {});
    },
  };
}
