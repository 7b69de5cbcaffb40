import type { CallEvent } from '../call/call-event.js';
import type { HandlerTarget } from '../call/tool-run.js';

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

/** Messages on a pool's channel: events from calls and heartbeats from threads, aborts into calls. */
export type ChannelMessage =
  | { readonly type: 'event'; readonly callId: number; readonly event: CallEvent }
  | { readonly type: 'heartbeat'; readonly threadId: number }
  | { readonly type: 'abort'; readonly callId: number; readonly reason: string };
