import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CallEvent } from '../call/call-event.js';
import { callFailure, CANCELLED, timedOut, type CallOutcome } from '../call/call-outcome.js';
import type { CallHooks } from '../call/tool-run.js';
import type { ModuleDescription } from '../plugins/module-description.js';
import type { PoolCall, ToolPool, ToolPoolOptions } from './pool-contract.js';
import { threadLossMessage } from './thread-loss.js';
import { createThreadPlacement, PLACEMENT_TAG, type PlacedCall, type PlacementTag } from './thread-placement.js';
import {
  CALL_FLAG,
  type CallTask,
  type ChannelMessage,
  type DescribeTask,
  type PoolThreadData,
} from './thread-protocol.js';
import { BUSY_LOOP_MS, HEARTBEAT_MS, watchThreads } from './thread-watch.js';
import { createToolConcurrency } from './tool-concurrency.js';

const THREAD_ENTRY = fileURLToPath(new URL('./thread-entry.mjs', import.meta.url));
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
  const watch = watchThreads({
    placement,
    logger,
    cancelGraceMs: options.cancelGraceMs,
    threadConcurrency: options.threadConcurrency,
    onAbandoned: options.onAbandoned,
    drainChannel: () => drainChannel(),
    announceRoom,
    terminateThread: (threadId) => void piscina.threads.find((worker) => worker.threadId === threadId)?.terminate(),
  });

  // Events and heartbeats from every thread arrive here; events are routed to their call by id.
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  const listeners = new Map<number, (event: CallEvent) => void>();
  const route = (message: ChannelMessage) => {
    if (message.type === 'event') listeners.get(message.callId)?.(message.event);
    else if (message.type === 'heartbeat') watch.onHeartbeat(message.threadId);
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
        watch.retireIfDrained(placement.release(placed));
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
        graceTimer = setTimeout(() => watch.giveUp(placed), options.cancelGraceMs);
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
      watch.stop();
      channel.close();
      await piscina.destroy();
    },
  };
}
