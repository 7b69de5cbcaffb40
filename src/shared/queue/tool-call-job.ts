import type { CallEvent } from '../call/call-event.js';
import type { CallOutcome } from '../call/call-outcome.js';
import type { ToolRun } from '../call/tool-run.js';
import type { UpstreamRequest } from '../call/forwarded-request.js';

/** The BullMQ queue plugin tools' calls go through. */
export const CALL_TOOL_QUEUE = 'call_tool';
/**
 * The queue upstream MCP servers' calls go through: they are I/O, taken by a worker while its upstream
 * connections have room, never held back by busy plugin threads.
 */
export const UPSTREAM_CALL_QUEUE = 'call_tool_upstream';
export const CALL_TOOL_JOB = 'call_tool';
/** A request forwarded to an upstream MCP server (resources, prompts, completion), on the upstream queue. */
export const UPSTREAM_REQUEST_JOB = 'mcp_request';

/**
 * What the gateway puts on the queue: the call itself, as a runner takes it, and where to reply.
 * Self-contained: a worker needs no tool registry, only its plugins folder (and checks a plugin target
 * stays inside it).
 */
export interface ToolCallJobData extends ToolRun {
  /** The tool is `readOnlyHint` or `idempotentHint`: safe to run again after a worker died mid-call. */
  readonly retryable: boolean;
  /** The gateway waiting for the answer; names its reply list. */
  readonly replyTo: string;
}

/** An `mcp_request` job: the request as a runner takes it, and where to reply. */
export interface UpstreamRequestJobData extends UpstreamRequest {
  readonly retryable: boolean;
  readonly replyTo: string;
}

/** What any job on our queues carries; its name says which. */
export type QueueJobData = (ToolCallJobData | UpstreamRequestJobData) & {
  /** W3C trace context (`traceparent`) of the gateway's span, when tracing is on: the worker continues it. */
  readonly traceContext?: Readonly<Record<string, string>>;
};

/** Messages a worker sends back to the gateway that enqueued the job, in order, on one list. */
export type ToolCallReply =
  | { readonly type: 'started'; readonly jobId: string; readonly workerId: string; readonly attempt: number }
  | { readonly type: 'event'; readonly jobId: string; readonly event: CallEvent }
  | { readonly type: 'result'; readonly jobId: string; readonly outcome: CallOutcome<unknown> };

export const WORKER_HEARTBEAT_MS = 1_000;
/** A worker whose heartbeat is older than this is considered dead. */
export const WORKER_HEARTBEAT_TTL_MS = 3_000;
/** Reply lists of a vanished gateway expire. */
export const REPLY_TTL_SECONDS = 3_600;

/** The message a call gets when the worker running it died and the tool may not be run again. */
export const WORKER_LOST_MESSAGE = 'worker lost: the tool may or may not have run';
