import type { CallOutcome } from '../call/call-outcome.js';
import type { CallHooks, HandlerTarget, ToolIsolation } from '../call/tool-run.js';
import type { ToolgateConfig } from '../config/load-config.js';
import type { ModuleDescription } from '../plugins/module-description.js';
import type { Logger } from '../telemetry/logger.js';

export interface ToolPoolOptions {
  /** Threads in the pool (`WORKER_THREADS`). */
  readonly threads: number;
  /** Shared calls a thread runs at once (`thread_concurrency`); their awaits interleave on its loop. */
  readonly threadConcurrency: number;
  /** V8 old-generation limit per thread (`plugin_heap_mb`). */
  readonly heapMb: number;
  /** How long a handler may keep running after its signal aborted before it is given up. */
  readonly cancelGraceMs: number;
  readonly pluginsDir: string;
  readonly maxResultBytes: number;
  readonly logger: Logger;
  /** A call was abandoned: given up while it kept running on a responsive thread. */
  readonly onAbandoned?: (tool: string) => void;
}

/** The pool a process runs from its config: `WORKER_THREADS`, `thread_concurrency`, `plugin_heap_mb`, … */
export function toolPoolOptions(
  { runtime, settings }: ToolgateConfig,
  logger: Logger,
  onAbandoned?: (tool: string) => void,
): ToolPoolOptions {
  return {
    threads: runtime.workerThreads,
    threadConcurrency: settings.thread_concurrency,
    heapMb: settings.plugin_heap_mb,
    cancelGraceMs: settings.cancel_grace_ms,
    pluginsDir: runtime.pluginsDir,
    maxResultBytes: settings.max_result_bytes,
    logger,
    onAbandoned,
  };
}

export interface PoolCall {
  /** The tool's name, for logs and for the calls a crash takes down. */
  readonly tool: string;
  readonly isolation: ToolIsolation;
  /** At most this many calls of the tool in flight in this process (`max_concurrency`). */
  readonly maxConcurrency: number | undefined;
  readonly target: HandlerTarget;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds after which the call has failed. */
  readonly deadline: number;
  /** The timeout the deadline came from, for the message. */
  readonly timeoutMs: number;
}

export interface ToolPool {
  run(call: PoolCall, hooks?: CallHooks): Promise<CallOutcome>;
  describe(modules: readonly string[]): Promise<ModuleDescription[]>;
  /** Whether a call handed over now would start at once: nothing waits, and a thread has room. */
  canStartNow(): boolean;
  /** Calls `listener` whenever room may have been made; returns the unsubscribe. */
  onRoom(listener: () => void): () => void;
  /** What the pool holds now, for metrics and the dashboard. */
  load(): PoolLoad;
  close(): Promise<void>;
}

export interface PoolLoad {
  readonly threads: number;
  /** Threads running at least one call. */
  readonly busyThreads: number;
  /** Calls on threads, and calls waiting for one (or for their tool's `max_concurrency`). */
  readonly runningCalls: number;
  readonly waitingCalls: number;
}
