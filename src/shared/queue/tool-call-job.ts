import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CallOutcome, ThreadEvent } from '../execution/thread-protocol.js';
import type { ToolRun } from '../execution/tool-runner.js';
import type { UpstreamRequest } from '../upstream/forwarded-request.js';

/** The BullMQ queue plugin tools' calls go through. */
export const CALL_TOOL_QUEUE = 'call_tool';
/**
 * The queue upstream MCP servers' calls go through: they are I/O, taken by a worker while its upstream
 * connections have room, never held back by busy plugin threads (SPEC §3a).
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
  | { readonly type: 'event'; readonly jobId: string; readonly event: ThreadEvent }
  | { readonly type: 'result'; readonly jobId: string; readonly outcome: CallOutcome<unknown> };

/** Names a gateway or worker process in Redis and in logs: host, pid, and a suffix unique across restarts. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Redis keys outside BullMQ's own, all under the deployment's prefix. */
export function queueKeys(prefix: string) {
  return {
    /** A list per gateway: workers LPUSH replies, the gateway drains it with BLMPOP. */
    replies: (gatewayId: string) => `${prefix}:tg:replies:${gatewayId}`,
    /** Pub/sub channel on which gateways ask workers to cancel an active job. */
    cancel: `${prefix}:tg:cancel`,
    /** Worker ids that have announced themselves, and a heartbeat each with a TTL: present while alive. */
    workerPresence: { set: `${prefix}:tg:workers`, beat: (workerId: string) => `${prefix}:tg:heartbeat:${workerId}` },
    /** The same for gateways (queue mode), for the dashboard. */
    gatewayPresence: { set: `${prefix}:tg:gateways`, beat: (gatewayId: string) => `${prefix}:tg:gateway:${gatewayId}` },
    /** The latest listing of an upstream MCP server, written by the workers that connect to it. */
    upstreamListing: (server: string) => `${prefix}:tg:upstream:${server}`,
    /** A streamable HTTP session's record: any gateway serves it. */
    session: (sessionId: string) => `${prefix}:tg:session:${sessionId}`,
    /** Present while some gateway holds a legacy SSE session's stream. */
    legacySession: (sessionId: string) => `${prefix}:tg:sse-session:${sessionId}`,
    /** A POST stream's SSE events, for clients that resume it on any gateway. */
    stream: (streamId: string) => `${prefix}:tg:stream:${streamId}`,
    /** A Responses API response's conversation, for `previous_response_id`. */
    response: (responseId: string) => `${prefix}:tg:response:${responseId}`,
    /** Pub/sub channel on which gateways pass session messages (cancellations, deletions, legacy posts). */
    sessionBus: `${prefix}:tg:sessions`,
  };
}

export const WORKER_HEARTBEAT_MS = 1_000;
/** A worker whose heartbeat is older than this is considered dead. */
export const WORKER_HEARTBEAT_TTL_MS = 3_000;
/** Reply lists of a vanished gateway expire. */
export const REPLY_TTL_SECONDS = 3_600;

/** The message a call gets when the worker running it died and the tool may not be run again. */
export const WORKER_LOST_MESSAGE = 'worker lost: the tool may or may not have run';
