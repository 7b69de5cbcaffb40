import type { CallToolResult } from './tool-result.js';

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
