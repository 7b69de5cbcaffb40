import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { callMcpTool } from '../../src/gateway/openai/tool-loop.js';
import type { ToolInvoker } from '../../src/gateway/tools/tool-invoker.js';
import type { VirtualKey } from '../../src/gateway/keys/key-store.js';

/** A logger whose JSON lines are kept for the test to read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(sink), lines };
}

/** An invoker whose every call fails with `error`. */
function failingInvoker(error: Error): ToolInvoker {
  return {
    invoke: () => Promise.reject(error),
    running: 0,
    drain: () => Promise.resolve(),
  };
}

const admitInnerCall = async () => {};
const call = { requestId: 'req-1', signal: new AbortController().signal, caller: undefined };

describe('callMcpTool (the tool loop)', () => {
  it('tells the model "Internal error" for an unexpected failure, and logs it with the tool and request', async () => {
    const { logger, lines } = capturingLogger();
    const result = await callMcpTool(
      { invoker: failingInvoker(new Error('disk on fire')), logger, admitInnerCall },
      'echo',
      '{}',
      call,
    );
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Internal error' }] });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        tool: 'echo',
        requestId: 'req-1',
        err: expect.objectContaining({ message: 'disk on fire' }),
      }),
    );
  });

  it('tells the model an AppError as it is, without logging it as a failure', async () => {
    const { logger, lines } = capturingLogger();
    const refused = new AppError('forbidden', 'This key may not call tool echo');
    const result = await callMcpTool({ invoker: failingInvoker(refused), logger, admitInnerCall }, 'echo', '{}', call);
    expect(result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'This key may not call tool echo' }],
    });
    expect(lines.filter((line) => line.level === 50)).toEqual([]);
  });

  it('counts each call against its key before running it, and runs none over the limit', async () => {
    const { logger } = capturingLogger();
    let invoked = 0;
    const invoker: ToolInvoker = {
      ...failingInvoker(new Error('unused')),
      invoke: async () => ((invoked += 1), { content: [] }),
    };
    const key = { token: 'hash' } as VirtualKey;
    const counted: VirtualKey[] = [];
    const admitInnerCall = async (caller: VirtualKey) => {
      counted.push(caller);
      if (counted.length > 1) throw new AppError('rate_limited', 'Rate limit reached for this key: rpm_limit 1');
    };
    const keyed = { ...call, caller: key };
    expect(await callMcpTool({ invoker, logger, admitInnerCall }, 'echo', '{}', keyed)).toEqual({ content: [] });
    const refused = await callMcpTool({ invoker, logger, admitInnerCall }, 'echo', '{}', keyed);
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/rpm_limit 1/) }] });
    expect(counted).toEqual([key, key]);
    expect(invoked).toBe(1);
  });
});
