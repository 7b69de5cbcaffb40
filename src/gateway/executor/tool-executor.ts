import type { CallEvent } from '../../shared/call/call-event.js';
import type { CallOutcome } from '../../shared/call/call-outcome.js';
import type { ToolRun } from '../../shared/call/tool-run.js';
import type { RegisteredTool } from '../../shared/plugins/tool-registry.js';
import type { ForwardedResult, UpstreamRequest } from '../../shared/call/forwarded-request.js';

/** One validated tool call, ready to run. */
export interface ToolExecution {
  readonly tool: RegisteredTool;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds, counted from the gateway's receipt of the call. */
  readonly deadline: number;
  /** Client headers an upstream tool's server gets with the call (`extra_headers`, `x-mcp-{alias}-*`). */
  readonly headers?: Record<string, string>;
}

/** The call as a runner takes it, wherever it runs. */
export function toolRunOf({ tool, args, requestId, deadline, headers }: ToolExecution): ToolRun {
  return {
    tool: tool.name,
    target: tool.target,
    isolation: tool.isolation,
    maxConcurrency: tool.maxConcurrency,
    args,
    requestId,
    deadline,
    timeoutMs: tool.timeoutMs,
    ...(headers && { headers }),
  };
}

export interface ExecutionHooks {
  /** Cancels the call wherever it is. */
  readonly signal?: AbortSignal;
  /** Progress and log messages from the handler. */
  readonly onEvent?: (event: CallEvent) => void;
  /** Queue mode: called once the call is a job, before it is sent to Redis. */
  readonly onQueued?: (job: QueuedJob) => void;
  /** Queue mode: a worker took the job, after it waited `queuedMs` on the queue. */
  readonly onStarted?: (start: { readonly workerId: string; readonly queuedMs: number }) => void;
}

/** Where a queued call's outcome goes: its job, and the gateway whose reply list receives it. */
export interface QueuedJob {
  readonly jobId: string;
  readonly replyTo: string;
}

export interface ExecutorReadiness {
  readonly ready: boolean;
  readonly detail: Record<string, unknown>;
}

/**
 * Runs tool calls: in-process (embedded mode) or through the queue. Clients cannot tell which, except by
 * latency. `execute` throws `AppError('unavailable')` when it cannot take the call now (backpressure).
 */
export interface ToolExecutor {
  readonly mode: 'embedded' | 'queue';
  execute(execution: ToolExecution, hooks?: ExecutionHooks): Promise<CallOutcome>;
  /** Forwards a request to the upstream server it names, where that server's connections are. */
  forward(request: UpstreamRequest, hooks?: Pick<ExecutionHooks, 'signal'>): Promise<CallOutcome<ForwardedResult>>;
  readiness(): Promise<ExecutorReadiness>;
  /** Whether calls in flight can still get their results (not while queue mode has lost Redis). */
  canDeliverResults(): boolean;
  /**
   * A queued call's outcome, read from where its worker sent it: for a call whose gateway died before it
   * could pass the answer on. Undefined while there is none (or in embedded mode, where there is no queue).
   */
  recoverOutcome(job: QueuedJob): Promise<CallOutcome | undefined>;
  close(): Promise<void>;
}
