import type { Logger } from '../telemetry/logger.js';
import type { PlacedCall, PoolThread, ThreadPlacement } from './thread-placement.js';

/** How often a pool thread says its event loop is free. */
export const HEARTBEAT_MS = 100;
/** A thread that has not beaten for this long is busy: no new calls go to it until it beats again. */
export const BUSY_LOOP_MS = 3 * HEARTBEAT_MS;
/** A shared thread whose loop has not answered for this long is logged, naming what it runs. */
const BLOCKED_LOG_MS = 1_000;
/** A thread holding this many abandoned calls (fewer if it runs fewer at once) is drained and replaced. */
const ABANDONED_DRAIN_THRESHOLD = 4;

export interface ThreadWatchDeps {
  readonly placement: ThreadPlacement;
  readonly logger: Logger;
  readonly cancelGraceMs: number;
  readonly threadConcurrency: number;
  /** A call was abandoned: given up while it kept running on a responsive thread. */
  readonly onAbandoned: ((tool: string) => void) | undefined;
  /** Reads the heartbeats and events waiting on the pool's channel. */
  readonly drainChannel: () => void;
  /** Room was made for more calls. */
  readonly announceRoom: () => void;
  readonly terminateThread: (threadId: number) => void;
}

export interface ThreadWatch {
  /** A thread's heartbeat: its loop is free (again). */
  onHeartbeat(threadId: number): void;
  /** The grace after an abort ran out and the handler is still going: abandon the call, or end its thread. */
  giveUp(call: PlacedCall): void;
  /** A draining thread is replaced once only abandoned calls remain on it. */
  retireIfDrained(thread: PoolThread | undefined): void;
  stop(): void;
}

/**
 * The pool's watch over its threads, by their heartbeats: a thread whose loop is blocked is logged while
 * it happens and, when a call it runs must be given up, terminated; a call that ignores its abort on a
 * responsive thread is abandoned instead, and a thread holding too many abandoned calls is replaced.
 */
export function watchThreads(deps: ThreadWatchDeps): ThreadWatch {
  const { placement, logger, drainChannel, announceRoom } = deps;
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
    deps.terminateThread(thread.threadId);
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
    if (blockedForMs >= Math.max(deps.cancelGraceMs, BUSY_LOOP_MS)) {
      logger.warn(
        { tool: call.tool, threadId: thread.threadId, blockedForMs, others: thread.calls.size - 1 },
        'terminating a tool thread: its event loop is blocked',
      );
      terminate(thread, `tool stopped: its thread was terminated because tool "${call.tool}" blocked its event loop`);
      return;
    }
    call.abandoned = true;
    call.releaseSlot();
    deps.onAbandoned?.(call.tool);
    const abandoned = [...thread.calls.values()].filter((other) => other.abandoned).length;
    logger.warn(
      { tool: call.tool, threadId: thread.threadId, abandonedOnThread: abandoned },
      'abandoned a tool call that ignored its abort; its late result will be discarded',
    );
    if (call.exclusive || abandoned >= Math.min(ABANDONED_DRAIN_THRESHOLD, deps.threadConcurrency)) {
      thread.draining = true;
      retireIfDrained(thread);
    }
  };

  return { onHeartbeat, giveUp, retireIfDrained, stop: () => clearInterval(blockedWatch) };
}
