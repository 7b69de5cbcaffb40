import type { CallEvent } from '../shared/call/call-event.js';

/**
 * A call's progress updates cross Redis at most once per this interval: 40 a second, enough for tools
 * that report every 50 ms (as the MCP conformance suite's do) to be seen one by one.
 */
const PROGRESS_INTERVAL_MS = 25;

export interface EventForwarder {
  readonly onEvent: (event: CallEvent) => void;
  /** Sends the latest progress still held back; call before the result. */
  flush(): void;
}

/**
 * Forwards a call's events to the gateway: log messages at once, progress coalesced to at most 40 a
 * second (the latest value wins) and never decreasing.
 */
export function createEventForwarder(send: (event: CallEvent) => void): EventForwarder {
  let highest = -Infinity;
  let lastSentAt = 0;
  let held: CallEvent | undefined;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (held === undefined) return;
    send(held);
    held = undefined;
    lastSentAt = Date.now();
  };

  return {
    onEvent(event) {
      if (event.type !== 'progress') {
        send(event);
        return;
      }
      if (event.progress <= highest) return;
      highest = event.progress;
      held = event;
      const wait = lastSentAt + PROGRESS_INTERVAL_MS - Date.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
  };
}
