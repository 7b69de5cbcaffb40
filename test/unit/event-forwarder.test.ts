import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallEvent } from '../../src/shared/call/call-event.js';
import { createEventForwarder } from '../../src/worker/event-forwarder.js';

const progress = (value: number): CallEvent => ({ type: 'progress', progress: value });

describe('createEventForwarder', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends at most 40 progress updates a second, the latest value winning', () => {
    const sent: CallEvent[] = [];
    const forwarder = createEventForwarder((event) => sent.push(event));
    forwarder.onEvent(progress(1));
    for (let value = 2; value <= 50; value += 1) forwarder.onEvent(progress(value));
    expect(sent).toEqual([progress(1)]);
    vi.advanceTimersByTime(24);
    expect(sent).toEqual([progress(1)]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([progress(1), progress(50)]);
  });

  it('drops progress that does not increase and passes logs through at once', () => {
    const sent: CallEvent[] = [];
    const forwarder = createEventForwarder((event) => sent.push(event));
    forwarder.onEvent(progress(5));
    forwarder.onEvent(progress(3));
    forwarder.onEvent({ type: 'log', level: 'info', data: 'hello' });
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([progress(5), { type: 'log', level: 'info', data: 'hello' }]);
  });

  it('flushes the held-back update before the result', () => {
    const sent: CallEvent[] = [];
    const forwarder = createEventForwarder((event) => sent.push(event));
    forwarder.onEvent(progress(1));
    forwarder.onEvent(progress(2));
    forwarder.flush();
    expect(sent).toEqual([progress(1), progress(2)]);
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(2);
  });
});
