import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { callMcpTool } from '../../src/gateway/openai/tool-loop.js';
import type { ToolInvoker } from '../../src/gateway/tools/tool-invoker.js';

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

const call = { requestId: 'req-1', signal: new AbortController().signal, caller: undefined };

describe('callMcpTool (the tool loop)', () => {
  it('tells the model "Internal error" for an unexpected failure, and logs it with the tool and request', async () => {
    const { logger, lines } = capturingLogger();
    const result = await callMcpTool(
      { invoker: failingInvoker(new Error('disk on fire')), logger },
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
    const result = await callMcpTool({ invoker: failingInvoker(refused), logger }, 'echo', '{}', call);
    expect(result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'This key may not call tool echo' }],
    });
    expect(lines.filter((line) => line.level === 50)).toEqual([]);
  });
});
