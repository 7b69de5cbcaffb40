import { Piscina } from 'piscina';

/** Piscina's load balancer type, which its package root does not export. */
type PiscinaLoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

/** How a tool's calls share threads: `shared` (the default) interleaves them; `exclusive` runs each alone. */

/** A call the pool runs, as the placement tracks it. */
export interface PlacedCall {
  readonly callId: number;
  readonly tool: string;
  readonly exclusive: boolean;
  /** The call's shared flags (`CALL_FLAG`), readable after its thread died. */
  readonly flags: Int32Array;
  /** Hands the call to Piscina, tagged for the thread it was placed on. */
  readonly start: () => void;
  /** Gives back the call's `max_concurrency` slot (idempotent). */
  readonly releaseSlot: () => void;
  /** Its thread, once placed; kept after the thread is gone, for the calls it took down. */
  thread: PoolThread | undefined;
  /** Given up while its thread's loop answered: it keeps its place until it settles; its result is dropped. */
  abandoned: boolean;
}

/** What the pool knows of one Piscina thread. */
export interface PoolThread {
  readonly threadId: number;
  readonly calls: Map<number, PlacedCall>;
  /** Takes no new calls; terminated once it holds only abandoned calls. */
  draining: boolean;
  /** An exclusive call waits for this thread to empty: no new shared calls go to it. */
  reservedForExclusive: boolean;
  /** Epoch ms of its last heartbeat (of its start, before the first). */
  lastBeatAt: number;
  /** Set once its loop is logged as blocked, until it beats again. */
  blockedLoggedAt: number | undefined;
  /** Why the pool terminated it, for the calls that end with it. */
  terminatedBecause: string | undefined;
}

/** Which calls run where; the pool's own queue in front of Piscina's threads. */
export interface ThreadPlacement {
  /** Piscina's `loadBalancer`: a call goes to the thread it was placed on; other tasks to the least busy. */
  readonly balancer: PiscinaLoadBalancer;
  threadReady(threadId: number, at: number): void;
  threadGone(threadId: number): void;
  /** Queues a call; it starts as soon as a thread has room for it, first come first served. */
  enqueue(call: PlacedCall): void;
  /** Takes a call that has not started off the queue; false if it was already placed. */
  withdraw(call: PlacedCall): boolean;
  /** Forgets a settled call and places what now fits; returns its thread, if it had one. */
  release(call: PlacedCall): PoolThread | undefined;
  /** Places waiting calls that fit now (after a thread came up or was drained). */
  dispatch(): void;
  readonly threads: ReadonlyMap<number, PoolThread>;
  /** Whether a shared call handed over now would start at once (the worker's intake gate). */
  canStartNow(): boolean;
  /** Calls queued for a thread. */
  readonly waiting: number;
}

/** The queue options the pool attaches to a task: the thread it was placed on. */
export interface PlacementTag {
  readonly threadId: number;
}

/** The key Piscina reads a task's queue options from; never cloned into the thread (a symbol key). */
export const PLACEMENT_TAG = Piscina.queueOptionsSymbol;

/** An exclusive call is only ever placed alone on an empty thread, so it is the thread's one call. */
function runsExclusive(thread: PoolThread): boolean {
  return thread.calls.size === 1 && thread.calls.values().next().value?.exclusive === true;
}

/**
 * Places calls on threads: up to `threadConcurrency` shared calls a thread, least busy first; an exclusive
 * call only on an empty thread; nothing on a thread whose event loop is not answering. While an exclusive call waits, one thread takes no new shared calls so
 * that it empties (a steady shared load would starve it otherwise). The queue is kept here rather than in
 * Piscina, whose queue stops at the first task that does not fit and holds the ones behind it.
 */
export function createThreadPlacement(
  threadConcurrency: number,
  isResponsive: (thread: PoolThread) => boolean,
): ThreadPlacement {
  const waiting: PlacedCall[] = [];
  const threads = new Map<number, PoolThread>();

  // A thread whose loop is busy cannot start anything now: calls wait for one that can.
  const open = () =>
    [...threads.values()].filter(
      (thread) => !thread.draining && thread.terminatedBecause === undefined && isResponsive(thread),
    );
  const takesShared = (thread: PoolThread) =>
    !thread.reservedForExclusive && !runsExclusive(thread) && thread.calls.size < threadConcurrency;

  const pick = (call: PlacedCall, candidates: readonly PoolThread[]): PoolThread | undefined => {
    if (call.exclusive) {
      const empty = candidates.filter((thread) => thread.calls.size === 0);
      return empty.find((thread) => thread.reservedForExclusive) ?? empty[0];
    }
    let chosen: PoolThread | undefined;
    for (const thread of candidates) {
      if (takesShared(thread) && (!chosen || thread.calls.size < chosen.calls.size)) chosen = thread;
    }
    return chosen;
  };

  const place = (call: PlacedCall, thread: PoolThread) => {
    if (call.exclusive) thread.reservedForExclusive = false;
    thread.calls.set(call.callId, call);
    call.thread = thread;
    call.start();
  };

  const dispatch = () => {
    const candidates = open();
    for (let index = 0; index < waiting.length;) {
      const call = waiting[index]!;
      const thread = pick(call, candidates);
      if (thread) {
        waiting.splice(index, 1);
        place(call, thread);
        continue;
      }
      if (call.exclusive && !candidates.some((other) => other.reservedForExclusive)) {
        const drainable = candidates
          .filter((other) => !runsExclusive(other))
          .sort((a, b) => a.calls.size - b.calls.size)[0];
        if (drainable) drainable.reservedForExclusive = true;
      }
      // Nothing behind can start either once no thread takes shared calls and none is empty.
      if (!candidates.some((other) => takesShared(other) || other.calls.size === 0)) break;
      index += 1;
    }
    if (!waiting.some((call) => call.exclusive))
      for (const thread of threads.values()) thread.reservedForExclusive = false;
  };

  const balancer: PiscinaLoadBalancer = (task, workers) => {
    const tag = (task as unknown as Record<symbol, PlacementTag | null | undefined>)[PLACEMENT_TAG];
    const usable = workers.filter((worker) => !worker.terminating && !worker.destroyed);
    if (tag) return usable.find((worker) => worker.id === tag.threadId) ?? null;
    // Untagged tasks (describing plugin modules, at startup) go to the least busy thread.
    return usable.sort((a, b) => a.currentUsage - b.currentUsage)[0] ?? null;
  };

  return {
    balancer,
    threadReady(threadId, at) {
      threads.set(threadId, {
        threadId,
        calls: new Map(),
        draining: false,
        reservedForExclusive: false,
        lastBeatAt: at,
        blockedLoggedAt: undefined,
        terminatedBecause: undefined,
      });
      dispatch();
    },
    threadGone: (threadId) => void threads.delete(threadId),
    enqueue(call) {
      waiting.push(call);
      dispatch();
    },
    withdraw(call) {
      const index = waiting.indexOf(call);
      if (index === -1) return false;
      waiting.splice(index, 1);
      dispatch();
      return true;
    },
    release(call) {
      const thread = call.thread;
      // A dead thread's calls stay listed, so the later ones can still name the culprit.
      if (thread && threads.get(thread.threadId) === thread) thread.calls.delete(call.callId);
      dispatch();
      return thread;
    },
    dispatch,
    threads,
    canStartNow: () => waiting.length === 0 && open().some(takesShared),
    get waiting() {
      return waiting.length;
    },
  };
}
