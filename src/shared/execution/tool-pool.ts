import type { CallHooks, HandlerTarget, ToolIsolation } from '../call/tool-run.js';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { messageOf } from '../errors.js';
import type { ToolgateConfig } from '../config/load-config.js';
import type { Logger } from '../telemetry/logger.js';
import {
  CALL_FLAG,
  CULPRIT,
  type CallTask,
  type ChannelMessage,
  type DescribeTask,
  type PoolThreadData,
} from './thread-protocol.js';
import type { CallEvent } from '../call/call-event.js';
import { type ModuleDescription } from '../plugins/module-description.js';
import { callFailure, CANCELLED, timedOut, type CallOutcome } from '../call/call-outcome.js';
import {
  createThreadPlacement,
  PLACEMENT_TAG,
  type PlacedCall,
  type PlacementTag,
  type PoolThread,
} from './thread-placement.js';
import { createToolConcurrency } from './tool-concurrency.js';

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

const THREAD_ENTRY = fileURLToPath(new URL('./thread-entry.mjs', import.meta.url));
const HEARTBEAT_MS = 100;
/** A thread that has not beaten for this long is busy: no new calls go to it until it beats again. */
const BUSY_LOOP_MS = 3 * HEARTBEAT_MS;
/** A shared thread whose loop has not answered for this long is logged, naming what it runs. */
const BLOCKED_LOG_MS = 1_000;
/** A thread holding this many abandoned calls (fewer if it runs fewer at once) is drained and replaced. */
const ABANDONED_DRAIN_THRESHOLD = 4;

function crashReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory (plugin_heap_mb exceeded)';
  return messageOf(error);
}

/** What a call gets when its thread died under it: the cause and, where known, the tool that caused it. */
function threadLossMessage(call: PlacedCall, error: unknown): string {
  const thread = call.thread;
  if (thread?.terminatedBecause !== undefined) return thread.terminatedBecause;
  const reason = crashReason(error);
  const calls = [...(thread?.calls.values() ?? [])];
  const culprit = calls.find((other) => Atomics.load(other.flags, CALL_FLAG.culprit) !== 0);
  if (culprit === call || calls.length <= 1) return `tool crashed: ${reason}`;
  if (culprit) {
    const how =
      Atomics.load(culprit.flags, CALL_FLAG.culprit) === CULPRIT.exit
        ? 'called process.exit()'
        : 'threw an uncaught error';
    return `tool crashed: its thread ended because tool "${culprit.tool}" ${how} (${reason})`;
  }
  const tools = [...new Set(calls.map((other) => other.tool))].join(', ');
  return `tool crashed: ${reason}, on a thread shared by calls of: ${tools}`;
}

/**
 * A Piscina pool that runs tool calls with deadlines. Shared calls interleave, up to `threadConcurrency`
 * on a thread; exclusive ones run alone. A call that outlives its abort by `cancelGraceMs` is abandoned
 * while its thread's loop still answers heartbeats; a thread whose loop is blocked is terminated, and its
 * other calls end naming the tool that blocked it. The returned promise settles at the deadline or
 * cancellation, not when the thread is finally freed.
 */
export function createToolPool(options: ToolPoolOptions): ToolPool {
  const { logger } = options;
  const placement = createThreadPlacement(options.threadConcurrency, (thread) => {
    if (Date.now() - thread.lastBeatAt < BUSY_LOOP_MS) return true;
    // Beats may be waiting to be read while this loop is busy; read them before calling a thread busy.
    drainChannel();
    return Date.now() - thread.lastBeatAt < BUSY_LOOP_MS;
  });
  const limits = createToolConcurrency();
  const channelName = `toolgate-pool-${randomUUID()}`;
  const piscina = new Piscina({
    filename: THREAD_ENTRY,
    // A fixed set of threads: the placement knows each one, and none starts up in the middle of a burst.
    minThreads: options.threads,
    maxThreads: options.threads,
    concurrentTasksPerWorker: options.threadConcurrency,
    loadBalancer: placement.balancer,
    // Handlers are async and may keep timers alive; threads must not block in Atomics.wait between tasks.
    atomics: 'disabled',
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    workerData: { channel: channelName, heartbeatMs: HEARTBEAT_MS } satisfies PoolThreadData,
  });
  const roomListeners = new Set<() => void>();
  const announceRoom = () => {
    for (const listener of roomListeners) listener();
  };
  // A thread that dies outside a task is replaced by Piscina; there is no call to answer, only a log line.
  piscina.on('error', (error: unknown) => logger.warn({ err: error }, 'a tool thread died outside a call'));
  piscina.on('workerCreate', (worker: { id: number }) => {
    placement.threadReady(worker.id, Date.now());
    announceRoom();
  });
  piscina.on('workerDestroy', (worker: { id: number }) => {
    if (worker.id !== -1) return placement.threadGone(worker.id);
    // A thread that exited reads -1 by now: the threads still alive say which one went.
    const alive = new Set(piscina.threads.map((each) => each.threadId));
    for (const threadId of placement.threads.keys()) if (!alive.has(threadId)) placement.threadGone(threadId);
  });
  let nextCallId = 0;

  // Events and heartbeats from every thread arrive here; events are routed to their call by id.
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  const listeners = new Map<number, (event: CallEvent) => void>();
  const route = (message: ChannelMessage) => {
    if (message.type === 'event') listeners.get(message.callId)?.(message.event);
    else if (message.type === 'heartbeat') onHeartbeat(message.threadId);
  };
  channel.onmessage = (message) => route((message as { data: ChannelMessage }).data);
  // The channel and Piscina's result travel separately; a call's events, sent before it returned, are
  // already queued here when its result arrives, so they are delivered first. Reading what is queued also
  // keeps a busy main loop from mistaking a late-read heartbeat for a blocked thread.
  // Node reads a BroadcastChannel here as well as a MessagePort; @types/node 20 declares only the latter.
  const channelPort = channel as unknown as MessagePort;
  const drainChannel = () => {
    for (let next = receiveMessageOnPort(channelPort); next; next = receiveMessageOnPort(channelPort))
      route(next.message as ChannelMessage);
  };

  const sharesLoop = (thread: PoolThread) => [...thread.calls.values()].every((call) => !call.exclusive);
  const toolsOn = (thread: PoolThread) => [...new Set([...thread.calls.values()].map((call) => call.tool))];

  function onHeartbeat(threadId: number) {
    const thread = placement.threads.get(threadId);
    if (!thread) return;
    const now = Date.now();
    const wasBusy = now - thread.lastBeatAt >= BUSY_LOOP_MS;
    thread.lastBeatAt = now;
    if (wasBusy) {
      // Out of the current turn: this may run while the placement is reading heartbeats.
      queueMicrotask(() => {
        placement.dispatch();
        announceRoom();
      });
    }
    if (thread.blockedLoggedAt === undefined) return;
    logger.info(
      { threadId: thread.threadId, blockedMs: Date.now() - thread.blockedLoggedAt + BLOCKED_LOG_MS },
      'tool thread event loop free again',
    );
    thread.blockedLoggedAt = undefined;
  }

  // Operators learn which plugin blocks a shared loop while it happens, not only once a call times out.
  const blockedWatch = setInterval(() => {
    drainChannel();
    const now = Date.now();
    for (const thread of placement.threads.values()) {
      if (thread.blockedLoggedAt !== undefined || thread.calls.size === 0 || !sharesLoop(thread)) continue;
      if (now - thread.lastBeatAt < BLOCKED_LOG_MS) continue;
      thread.blockedLoggedAt = now;
      logger.warn(
        { threadId: thread.threadId, tools: toolsOn(thread), blockedMs: now - thread.lastBeatAt },
        'a tool call is blocking a shared thread event loop; mark CPU-bound tools isolation: exclusive',
      );
    }
  }, BLOCKED_LOG_MS / 4);
  blockedWatch.unref();

  const terminate = (thread: PoolThread, because: string) => {
    thread.terminatedBecause = because;
    void piscina.threads.find((worker) => worker.threadId === thread.threadId)?.terminate();
  };

  /** A draining thread is replaced once only abandoned calls remain on it. */
  const retireIfDrained = (thread: PoolThread | undefined) => {
    if (!thread?.draining || [...thread.calls.values()].some((call) => !call.abandoned)) return;
    terminate(thread, 'tool stopped: its thread was replaced');
  };

  /** The grace after an abort ran out and the handler is still going. */
  const giveUp = (call: PlacedCall) => {
    const thread = call.thread;
    if (!thread || thread.terminatedBecause !== undefined) return;
    drainChannel();
    const blockedForMs = Date.now() - thread.lastBeatAt;
    if (blockedForMs >= Math.max(options.cancelGraceMs, BUSY_LOOP_MS)) {
      logger.warn(
        { tool: call.tool, threadId: thread.threadId, blockedForMs, others: thread.calls.size - 1 },
        'terminating a tool thread: its event loop is blocked',
      );
      terminate(thread, `tool stopped: its thread was terminated because tool "${call.tool}" blocked its event loop`);
      return;
    }
    call.abandoned = true;
    call.releaseSlot();
    options.onAbandoned?.(call.tool);
    const abandoned = [...thread.calls.values()].filter((other) => other.abandoned).length;
    logger.warn(
      { tool: call.tool, threadId: thread.threadId, abandonedOnThread: abandoned },
      'abandoned a tool call that ignored its abort; its late result will be discarded',
    );
    if (call.exclusive || abandoned >= Math.min(ABANDONED_DRAIN_THRESHOLD, options.threadConcurrency)) {
      thread.draining = true;
      retireIfDrained(thread);
    }
  };

  function runOnThread(call: PoolCall, hooks: CallHooks, releaseSlot: () => void): Promise<CallOutcome> {
    const flags = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const callId = nextCallId++;
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
      const settledOnThread = () => {
        clearTimeout(graceTimer);
        listeners.delete(callId);
        retireIfDrained(placement.release(placed));
        placed.releaseSlot();
        announceRoom();
      };
      const start = () => {
        const task: CallTask & { [PLACEMENT_TAG]: PlacementTag } = {
          op: 'call',
          pluginsDir: options.pluginsDir,
          target: call.target,
          args: call.args,
          requestId: call.requestId,
          deadline: call.deadline,
          maxResultBytes: options.maxResultBytes,
          callId,
          flags,
          [PLACEMENT_TAG]: { threadId: placed.thread?.threadId ?? -1 },
        };
        piscina
          .run(task)
          .then(
            (outcome: CallOutcome) => {
              drainChannel();
              finish(outcome);
            },
            (error: unknown) => finish(callFailure('crashed', threadLossMessage(placed, error))),
          )
          .finally(settledOnThread);
      };
      const placed: PlacedCall = {
        callId,
        tool: call.tool,
        exclusive: call.isolation === 'exclusive',
        flags,
        start,
        releaseSlot,
        thread: undefined,
        abandoned: false,
      };

      const abort = (reason: string, outcome: CallOutcome) => {
        finish(outcome);
        if (placement.withdraw(placed)) {
          // It never reached a thread.
          listeners.delete(callId);
          placed.releaseSlot();
          announceRoom();
          return;
        }
        Atomics.store(flags, CALL_FLAG.aborted, 1);
        channel.postMessage({ type: 'abort', callId, reason } satisfies ChannelMessage);
        graceTimer = setTimeout(() => giveUp(placed), options.cancelGraceMs);
      };
      const onCancel = () => abort('cancelled', CANCELLED);
      const deadlineTimer = setTimeout(() => abort('timed out', timedOut(call.timeoutMs)), call.deadline - Date.now());
      hooks.signal?.addEventListener('abort', onCancel, { once: true });
      listeners.set(callId, (event) => {
        if (!settled) hooks.onEvent?.(event);
      });
      placement.enqueue(placed);
    });
  }

  async function run(call: PoolCall, hooks: CallHooks = {}): Promise<CallOutcome> {
    if (call.deadline <= Date.now()) return timedOut(call.timeoutMs);
    if (hooks.signal?.aborted) return CANCELLED;
    const slot = await limits.acquire(call.tool, call.maxConcurrency, call.deadline, hooks.signal);
    if (slot === 'timeout') return timedOut(call.timeoutMs);
    if (slot === 'cancelled') return CANCELLED;
    if (hooks.signal?.aborted || call.deadline <= Date.now()) {
      slot();
      return hooks.signal?.aborted ? CANCELLED : timedOut(call.timeoutMs);
    }
    // The slot is held until the handler settles or is abandoned (a hung handler must not hold it forever).
    return runOnThread(call, hooks, slot);
  }

  return {
    run,
    describe: async (modules) =>
      (await piscina.run({
        op: 'describe',
        pluginsDir: options.pluginsDir,
        modules,
      } satisfies DescribeTask)) as ModuleDescription[],
    // Calls waiting for a tool's max_concurrency slot hold no thread; a bounded number of them must not
    // stop the calls of other tools from being taken.
    canStartNow: () => limits.waiting < options.threads * options.threadConcurrency && placement.canStartNow(),
    load() {
      let busyThreads = 0;
      let runningCalls = 0;
      for (const thread of placement.threads.values()) {
        if (thread.calls.size > 0) busyThreads += 1;
        runningCalls += thread.calls.size;
      }
      return {
        threads: placement.threads.size,
        busyThreads,
        runningCalls,
        waitingCalls: limits.waiting + placement.waiting,
      };
    },
    onRoom(listener) {
      roomListeners.add(listener);
      return () => roomListeners.delete(listener);
    },
    close: async () => {
      clearInterval(blockedWatch);
      channel.close();
      await piscina.destroy();
    },
  };
}
