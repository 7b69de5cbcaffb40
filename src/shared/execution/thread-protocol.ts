import type { HandlerTarget } from '../plugins/handler-target.js';
import type { ToolLogLevel } from '../plugins/plugin-contract.js';
import type { CallToolResult } from '../tool-result.js';

/** A tool call handed to a pool thread. */
export interface CallTask {
  readonly op: 'call';
  readonly pluginsDir: string;
  readonly target: HandlerTarget;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds; a call that reaches its thread after this is not run. */
  readonly deadline: number;
  readonly maxResultBytes: number;
  /** Tells the calls on the pool's channel apart (see `PoolThreadData`). */
  readonly callId: number;
  /** Shared memory between the pool and the thread running the call; slots are `CALL_FLAG`. */
  readonly flags: Int32Array;
}

/** Slots of a call's shared `flags`. */
export const CALL_FLAG = {
  /**
   * Set to 1 by the pool when the call is aborted. An abort sent on the channel before the call reached
   * a thread finds no listener; the thread reads this flag before starting the handler.
   */
  aborted: 0,
  /**
   * Set by the thread when this call brought its thread down (`CULPRIT`): read by the pool after the
   * thread died, when no message could have crossed.
   */
  culprit: 1,
} as const;

/** Why a call is marked as the one that ended its thread. */
export const CULPRIT = { exit: 1, uncaught: 2 } as const;

/** Each thread's `workerData`. */
export interface PoolThreadData {
  /**
   * The pool's BroadcastChannel: progress and log messages and heartbeats out, aborts in (Piscina has no
   * per-task channel). One channel per pool, rather than a MessageChannel per call, keeps a port's
   * creation and transfer off every call.
   */
  readonly channel: string;
  /** How often the thread says its event loop is free. */
  readonly heartbeatMs: number;
}

/** Asks a thread to import plugin modules and say what they export. */
export interface DescribeTask {
  readonly op: 'describe';
  readonly pluginsDir: string;
  readonly modules: readonly string[];
}

export type ThreadTask = CallTask | DescribeTask;

/** Why a call failed, as data: errors lose their class crossing threads and queues. */
export type FailureKind =
  'handler_error' | 'timeout' | 'crashed' | 'cancelled' | 'worker_lost' | 'load_error' | 'upstream_error';

/** Why a call failed. `code` is the JSON-RPC error an upstream server answered with, when it did. */
export interface CallFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly code?: number;
}

/**
 * What comes back from a call, across the thread and queue boundaries alike: a tool's result, or (for
 * an MCP request forwarded to an upstream server) that server's answer.
 */
export type CallOutcome<Result = CallToolResult> =
  { readonly ok: true; readonly result: Result } | { readonly ok: false; readonly error: CallFailure };

/** A failed call's outcome: it stands for a failure of any kind of call. */
export function callFailure(kind: FailureKind, message: string, code?: number): CallOutcome<never> {
  return { ok: false, error: { kind, message, ...(code !== undefined && { code }) } };
}

/** The outcome past a call's deadline, wherever it is enforced (pool or queue). */
export function timedOut(timeoutMs: number): CallOutcome<never> {
  return callFailure('timeout', `timed out after ${timeoutMs} ms`);
}

/** A call the client cancelled; no response is sent for it. */
export const CANCELLED: CallOutcome<never> = callFailure('cancelled', 'cancelled');

/** A tool a module declares, without its handler (functions cannot cross threads). */
export interface DeclaredToolInfo {
  readonly name: unknown;
  readonly description: unknown;
  readonly inputSchema: unknown;
  readonly annotations: unknown;
  readonly timeoutMs: unknown;
  readonly isolation: unknown;
  readonly maxConcurrency: unknown;
  readonly hasHandler: boolean;
}

export interface ModuleDescription {
  readonly module: string;
  readonly functionExports: readonly string[];
  readonly declaredTools: readonly DeclaredToolInfo[] | undefined;
  readonly loadError: string | undefined;
}

/** What a running call reports to its caller. */
export type ThreadEvent =
  | { readonly type: 'progress'; readonly progress: number; readonly total?: number; readonly message?: string }
  | { readonly type: 'log'; readonly level: ToolLogLevel; readonly data: unknown };

/** Messages on a pool's channel: events from calls and heartbeats from threads, aborts into calls. */
export type ChannelMessage =
  | { readonly type: 'event'; readonly callId: number; readonly event: ThreadEvent }
  | { readonly type: 'heartbeat'; readonly threadId: number }
  | { readonly type: 'abort'; readonly callId: number; readonly reason: string };
