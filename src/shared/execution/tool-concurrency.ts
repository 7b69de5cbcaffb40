/** Frees the slot a call held. */
export type ReleaseSlot = () => void;

/** Why a call never got a slot. */
export type SlotRefusal = 'timeout' | 'cancelled';

export interface ToolConcurrency {
  /**
   * Waits, first come first served, until fewer than `max` calls of `tool` hold a slot; gives up at
   * `deadline` or when `signal` aborts. With no `max`, resolves at once.
   */
  acquire(
    tool: string,
    max: number | undefined,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<ReleaseSlot | SlotRefusal>;
  /** Calls waiting for a slot, across tools. */
  readonly waiting: number;
}

interface Waiter {
  readonly grant: () => void;
}

const NO_LIMIT: ReleaseSlot = () => {};

/** `max_concurrency` per tool: at most that many of its calls in flight in this process. */
export function createToolConcurrency(): ToolConcurrency {
  const held = new Map<string, number>();
  const queues = new Map<string, Waiter[]>();
  let waiting = 0;

  const releaseFor = (tool: string): ReleaseSlot => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = queues.get(tool);
      const next = queue?.shift();
      if (queue?.length === 0) queues.delete(tool);
      if (next) {
        next.grant();
        return;
      }
      const count = (held.get(tool) ?? 1) - 1;
      if (count === 0) held.delete(tool);
      else held.set(tool, count);
    };
  };

  return {
    get waiting() {
      return waiting;
    },
    acquire(tool, max, deadline, signal) {
      if (max === undefined) return Promise.resolve(NO_LIMIT);
      const count = held.get(tool) ?? 0;
      if (count < max) {
        held.set(tool, count + 1);
        return Promise.resolve(releaseFor(tool));
      }
      return new Promise((resolve) => {
        waiting += 1;
        const queue = queues.get(tool) ?? [];
        queues.set(tool, queue);
        const leave = (outcome: ReleaseSlot | SlotRefusal) => {
          waiting -= 1;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        };
        // A released slot passes straight to the next waiter: the count stays as it is.
        const waiter: Waiter = { grant: () => leave(releaseFor(tool)) };
        const giveUp = (why: SlotRefusal) => {
          const index = queue.indexOf(waiter);
          if (index !== -1) queue.splice(index, 1);
          if (queue.length === 0) queues.delete(tool);
          leave(why);
        };
        const onAbort = () => giveUp('cancelled');
        const timer = setTimeout(() => giveUp('timeout'), Math.max(deadline - Date.now(), 0));
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
  };
}
