import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallOutcome } from '../../src/shared/call/call-outcome.js';
import { createTestPool, faultCall, maxOverlap, type TestPool } from '../helpers/tool-pool.js';
import type { RunSpan } from '../fixtures/plugins/faults.js';
import { startedMarker, waitForMarker } from '../helpers/markers.js';

let pool: TestPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function spanOf(outcome: CallOutcome): RunSpan {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.error.message}`);
  return outcome.result.structuredContent as unknown as RunSpan;
}

function messageOf(outcome: CallOutcome): string {
  if (outcome.ok) {
    const [first] = outcome.result.content;
    return first?.type === 'text' ? first.text : '';
  }
  return outcome.error.message;
}

/** `count` calls that wait `ms`, resolved once every handler runs (each says so in a marker file). */
async function runningWaits(count: number, ms: number, timeoutMs?: number): Promise<Promise<CallOutcome>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-waits-'));
  const markers = Array.from({ length: count }, (_, index) => join(dir, `wait-${index}`));
  const calls = markers.map((marker) => pool!.run(faultCall('mark_after', { marker, ms }, { timeoutMs })));
  await Promise.all(markers.map((marker) => waitForMarker(startedMarker(marker))));
  return calls;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('many calls per thread', () => {
  it('runs 100 waiting calls at once on two threads', async () => {
    pool = createTestPool({ threads: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => pool!.run(faultCall('timed_wait', { ms: 300 }))),
    );
    const spans = outcomes.map(spanOf);
    expect(maxOverlap(spans)).toBeGreaterThanOrEqual(50);
    expect(new Set(spans.map((span) => span.threadId)).size).toBeLessThanOrEqual(2);
  });

  it('never lets an exclusive call share its thread', async () => {
    pool = createTestPool({ threads: 2 });
    const exclusive = Array.from({ length: 6 }, () =>
      pool!.run(faultCall('timed_spin', { ms: 60 }, { isolation: 'exclusive' })),
    );
    const shared = Array.from({ length: 30 }, () => pool!.run(faultCall('timed_wait', { ms: 40 })));
    const exclusiveSpans = (await Promise.all(exclusive)).map(spanOf);
    const sharedSpans = (await Promise.all(shared)).map(spanOf);
    for (const span of exclusiveSpans) {
      const sameThread = [...exclusiveSpans, ...sharedSpans].filter(
        (other) => other !== span && other.threadId === span.threadId,
      );
      const overlapping = sameThread.filter(
        (other) => other.startedAt < span.endedAt && span.startedAt < other.endedAt,
      );
      expect(overlapping).toEqual([]);
    }
  });

  it('keeps calls of a max_concurrency tool to that many at once', async () => {
    pool = createTestPool({ threads: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => pool!.run(faultCall('timed_wait', { ms: 50 }, { maxConcurrency: 2 }))),
    );
    const spans = outcomes.map(spanOf);
    expect(maxOverlap(spans)).toBe(2);
  });

  it('times out a max_concurrency call still waiting for a slot at its deadline', async () => {
    pool = createTestPool();
    const holder = pool.run(faultCall('timed_wait', { ms: 500 }, { maxConcurrency: 1 }));
    const waiter = await pool.run(faultCall('timed_wait', { ms: 10 }, { maxConcurrency: 1, timeoutMs: 100 }));
    expect(waiter).toEqual({ ok: false, error: { kind: 'timeout', message: 'timed out after 100 ms' } });
    expect((await holder).ok).toBe(true);
  });
});

describe('giving up calls on shared threads', () => {
  it('abandons a call that ignores its abort while its loop is free; the thread and its other calls go on', async () => {
    pool = createTestPool({ threads: 1, cancelGraceMs: 100 });
    const before = spanOf(await pool.run(faultCall('timed_wait', { ms: 0 })));
    const beside = Array.from({ length: 5 }, () => pool!.run(faultCall('timed_wait', { ms: 800 })));
    const hung = await pool.run(faultCall('hang', {}, { timeoutMs: 200 }));
    expect(hung).toEqual({ ok: false, error: { kind: 'timeout', message: 'timed out after 200 ms' } });
    await waitFor(
      () => pool!.logs.some((line) => line.msg?.toString().startsWith('abandoned a tool call')),
      'the abandon log line',
    );
    expect(pool.logs.find((line) => String(line.msg).startsWith('abandoned'))).toMatchObject({ tool: 'hang' });
    const besideSpans = (await Promise.all(beside)).map(spanOf);
    const after = spanOf(await pool.run(faultCall('timed_wait', { ms: 0 })));
    // One thread throughout: it was never terminated.
    expect(new Set([before.threadId, after.threadId, ...besideSpans.map((span) => span.threadId)]).size).toBe(1);
  });

  it('replaces a thread holding too many abandoned calls once its other calls end', async () => {
    pool = createTestPool({ threads: 1, cancelGraceMs: 100 });
    const before = spanOf(await pool.run(faultCall('timed_wait', { ms: 0 })));
    const beside = pool.run(faultCall('timed_wait', { ms: 1_000 }));
    const hung = await Promise.all(
      Array.from({ length: 4 }, () => pool!.run(faultCall('hang', {}, { timeoutMs: 200 }))),
    );
    expect(hung.every((outcome) => !outcome.ok && outcome.error.kind === 'timeout')).toBe(true);
    await waitFor(
      () => pool!.logs.filter((line) => String(line.msg).startsWith('abandoned')).length === 4,
      'four abandoned calls',
    );
    // The drained thread takes nothing new: this call runs on its replacement, after the call beside ends.
    const after = pool.run(faultCall('timed_wait', { ms: 0 }));
    expect(spanOf(await beside).threadId).toBe(before.threadId);
    expect(spanOf(await after).threadId).not.toBe(before.threadId);
  });

  it('terminates a thread whose loop a call blocks, and ends the calls beside it naming that tool', async () => {
    pool = createTestPool({ threads: 1, cancelGraceMs: 200 });
    const before = spanOf(await pool.run(faultCall('timed_wait', { ms: 0 })));
    // The waits run before the loop is blocked.
    const beside = await runningWaits(4, 3_000);
    const spun = await pool.run(faultCall('spin', {}, { timeoutMs: 300 }));
    expect(spun).toEqual({ ok: false, error: { kind: 'timeout', message: 'timed out after 300 ms' } });
    for (const outcome of await Promise.all(beside)) {
      expect(outcome.ok).toBe(false);
      expect(messageOf(outcome)).toBe(
        'tool stopped: its thread was terminated because tool "spin" blocked its event loop',
      );
    }
    const after = spanOf(await pool.run(faultCall('timed_wait', { ms: 0 })));
    expect(after.threadId).not.toBe(before.threadId);
    expect(
      pool.logs.some(
        (line) => line.msg === 'terminating a tool thread: its event loop is blocked' && line.tool === 'spin',
      ),
    ).toBe(true);
  });

  it('logs a call that blocks a shared loop while it happens', async () => {
    pool = createTestPool({ threads: 1 });
    const spun = pool.run(faultCall('timed_spin', { ms: 1_600 }, { timeoutMs: 10_000 }));
    await waitFor(
      () =>
        pool!.logs.some((line) => String(line.msg).startsWith('a tool call is blocking a shared thread event loop')),
      'the blocked-loop log line',
      4_000,
    );
    expect(pool.logs.find((line) => String(line.msg).startsWith('a tool call is blocking'))).toMatchObject({
      tools: ['timed_spin'],
    });
    expect((await spun).ok).toBe(true);
  });

  it.each([
    ['exit_process', 'called process.exit()'],
    ['async_throw', 'threw an uncaught error'],
  ])('names %s to the calls its crash takes down', async (tool, how) => {
    pool = createTestPool({ threads: 1 });
    const beside = await runningWaits(3, 3_000);
    const crashed = await pool.run(faultCall(tool));
    expect(crashed).toMatchObject({
      ok: false,
      error: { kind: 'crashed', message: expect.stringMatching(/^tool crashed: /) },
    });
    for (const outcome of await Promise.all(beside)) {
      expect(messageOf(outcome)).toMatch(
        new RegExp(`^tool crashed: its thread ended because tool "${tool}" ${how.replace(/[()]/g, '\\$&')}`),
      );
    }
    expect((await pool.run(faultCall('echo', { after: true }))).ok).toBe(true);
  });

  it('ends every call on a thread that runs out of memory, and keeps serving', async () => {
    pool = createTestPool({ threads: 1 });
    const beside = await runningWaits(3, 5_000, 20_000);
    const crashed = await pool.run(faultCall('exhaust_memory', {}, { timeoutMs: 20_000 }));
    expect(messageOf(crashed)).toMatch(/^tool crashed: out of memory/);
    for (const outcome of await Promise.all(beside))
      expect(messageOf(outcome)).toMatch(
        /^tool crashed: out of memory .*, on a thread shared by calls of: .*exhaust_memory/,
      );
    expect((await pool.run(faultCall('echo', { after: true }))).ok).toBe(true);
  });
});
