import { describe, expect, it } from 'vitest';
import { limitResultSize, toCallToolResult, toolErrorResult } from '../../src/shared/call/tool-result.js';

describe('toCallToolResult', () => {
  it('turns a string into one text block', () => {
    expect(toCallToolResult('12:30')).toEqual({ content: [{ type: 'text', text: '12:30' }] });
  });

  it('takes an object with a content array as a CallToolResult', () => {
    const result = { content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }], isError: false };
    expect(toCallToolResult(result)).toEqual(result);
  });

  it('reports a malformed CallToolResult as a tool error', () => {
    expect(toCallToolResult({ content: [{ type: 'bogus' }] })).toMatchObject({ isError: true });
  });

  it('turns objects into JSON text plus structuredContent, other values into JSON text', () => {
    expect(toCallToolResult({ temperature: 21 })).toEqual({
      content: [{ type: 'text', text: '{"temperature":21}' }],
      structuredContent: { temperature: 21 },
    });
    expect(toCallToolResult([1, 2])).toEqual({ content: [{ type: 'text', text: '[1,2]' }] });
    expect(toCallToolResult(42)).toEqual({ content: [{ type: 'text', text: '42' }] });
    expect(toCallToolResult(null)).toEqual({ content: [{ type: 'text', text: 'null' }] });
    expect(toCallToolResult(undefined)).toEqual({ content: [] });
  });

  it('keeps structuredContent to JSON objects, whatever the value was', () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(toCallToolResult(date)).toEqual({ content: [{ type: 'text', text: '"2026-01-02T03:04:05.000Z"' }] });
  });

  it('reports values that are not JSON', () => {
    expect(toCallToolResult(10n)).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/not JSON/) }],
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toCallToolResult(cyclic)).toMatchObject({ isError: true });
  });
});

describe('limitResultSize', () => {
  it('refuses results over the limit and keeps the rest', () => {
    const small = toCallToolResult('ok');
    expect(limitResultSize(small, 1000)).toBe(small);
    expect(limitResultSize(toCallToolResult('x'.repeat(2000)), 1000)).toEqual(
      toolErrorResult(expect.stringMatching(/^result too large: \d+ bytes, limit 1000$/) as unknown as string),
    );
  });
});
