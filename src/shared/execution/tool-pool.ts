import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { messageOf } from '../errors.js';
import type { ToolgateConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import type { HandlerTarget } from '../plugins/handler-target.js';
import { callFailure, CANCELLED, timedOut, type CallOutcome, type CallTask, type ChannelMessage, type DescribeTask, type ModuleDescription, type ThreadEvent } from './thread-protocol.js';

export interface ToolPoolOptions {
  /** Threads in the pool; each runs one call at a time, so a terminated thread ends only its own call. */
  readonly threads: number;
  /** V8 old-generation limit per thread (`plugin_heap_mb`). */
  readonly heapMb: number;
  /** How long a handler may keep running after its signal aborted before its thread is terminated. */
  readonly cancelGraceMs: number;
  readonly pluginsDir: string;
  readonly maxResultBytes: number;
  /** A thread died outside any call (e.g. a late asynchronous throw); Piscina replaces it. */
  readonly onThreadError?: (error: unknown) => void;
}

/** The pool a process runs from its config: `WORKER_THREADS`, `plugin_heap_mb`, `cancel_grace_ms`, … */
export function toolPoolOptions({ runtime, settings }: ToolgateConfig, logger: Logger): ToolPoolOptions {
  return {
    onThreadError: (error) => logger.warn({ err: error }, 'a tool thread died outside a call'),
    threads: runtime.workerThreads,
    heapMb: settings.plugin_heap_mb,
    cancelGraceMs: settings.cancel_grace_ms,
    pluginsDir: runtime.pluginsDir,
    maxResultBytes: settings.max_result_bytes,
  };
}

export interface PoolCall {
  readonly target: HandlerTarget;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds after which the call has failed. */
  readonly deadline: number;
  /** The timeout the deadline came from, for the message. */
  readonly timeoutMs: number;
}

export interface PoolCallHooks {
  /** Cancels the call: the handler's signal aborts, then its thread is terminated after the grace. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ThreadEvent) => void;
}

export interface ToolPool {
  run(call: PoolCall, hooks?: PoolCallHooks): Promise<CallOutcome>;
  describe(modules: readonly string[]): Promise<ModuleDescription[]>;
  close(): Promise<void>;
}

const THREAD_ENTRY = fileURLToPath(new URL('./thread-entry.mjs', import.meta.url));

function crashMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'tool crashed: out of memory (plugin_heap_mb exceeded)';
  return `tool crashed: ${messageOf(error)}`;
}

/**
 * A Piscina pool that runs tool calls with deadlines and a two-phase abort: first the handler's
 * `ctx.signal` aborts; if it has not settled `cancelGraceMs` later, its thread is terminated and replaced.
 * The returned promise settles at the deadline or cancellation, not when the thread is finally freed.
 */
export function createToolPool(options: ToolPoolOptions): ToolPool {
  const piscina = new Piscina({
    filename: THREAD_ENTRY,
    minThreads: 1,
    maxThreads: options.threads,
    concurrentTasksPerWorker: 1,
    // Handlers are async and may keep timers alive; threads must not block in Atomics.wait between tasks.
    atomics: 'disabled',
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
  });
  // A thread that dies outside a task is replaced by Piscina; there is no call to answer, only a log line.
  piscina.on('error', (error: unknown) => options.onThreadError?.(error));
  let nextCallId = 0;

  // Events from every running call arrive here, routed to their call by id.
  const channelName = `toolgate-pool-${randomUUID()}`;
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  const listeners = new Map<number, (event: ThreadEvent) => void>();
  const route = (message: ChannelMessage) => {
    if (message.type === 'event') listeners.get(message.callId)?.(message.event);
  };
  channel.onmessage = (message) => route((message as { data: ChannelMessage }).data);
  // The channel and Piscina's result travel separately; a call's events, sent before it returned, are
  // already queued here when its result arrives, so they are delivered first.
  // Node reads a BroadcastChannel here as well as a MessagePort; @types/node 20 declares only the latter.
  const channelPort = channel as unknown as MessagePort;
  const drainEvents = () => {
    for (let next = receiveMessageOnPort(channelPort); next; next = receiveMessageOnPort(channelPort)) route(next.message as ChannelMessage);
  };

  function run(call: PoolCall, hooks: PoolCallHooks = {}): Promise<CallOutcome> {
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(timedOut(call.timeoutMs));
    if (hooks.signal?.aborted) return Promise.resolve(CANCELLED);

    const callId = nextCallId++;
    const terminate = new AbortController();
    const abortFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const task: CallTask = {
      op: 'call',
      pluginsDir: options.pluginsDir,
      target: call.target,
      args: call.args,
      requestId: call.requestId,
      deadline: call.deadline,
      maxResultBytes: options.maxResultBytes,
      channel: channelName,
      callId,
      abortFlag,
    };

    return new Promise<CallOutcome>((resolve) => {
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const finish = (outcome: CallOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadlineTimer);
        hooks.signal?.removeEventListener('abort', onCancel);
        resolve(outcome);
      };
      const abortHandler = (reason: string, outcome: CallOutcome) => {
        Atomics.store(abortFlag, 0, 1);
        channel.postMessage({ type: 'abort', callId, reason } satisfies ChannelMessage);
        graceTimer = setTimeout(() => terminate.abort(), options.cancelGraceMs);
        finish(outcome);
      };
      const onCancel = () => abortHandler('cancelled', CANCELLED);
      const deadlineTimer = setTimeout(() => abortHandler('timed out', timedOut(call.timeoutMs)), remaining);
      hooks.signal?.addEventListener('abort', onCancel, { once: true });
      listeners.set(callId, (event) => {
        if (!settled) hooks.onEvent?.(event);
      });

      piscina
        .run(task, { signal: terminate.signal })
        .then(
          (outcome: CallOutcome) => {
            drainEvents();
            finish(outcome);
          },
          (error: unknown) => {
            // An abort we asked for has already been answered; anything else is the thread dying.
            if (!terminate.signal.aborted) finish(callFailure('crashed', crashMessage(error)));
          },
        )
        .finally(() => {
          clearTimeout(graceTimer);
          listeners.delete(callId);
        });
    });
  }

  return {
    run,
    describe: async (modules) => (await piscina.run({ op: 'describe', pluginsDir: options.pluginsDir, modules } satisfies DescribeTask)) as ModuleDescription[],
    close: async () => {
      channel.close();
      await piscina.destroy();
    },
  };
}
