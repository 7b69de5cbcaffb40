import { describe, expect, it } from 'vitest';
import { calculate, get_current_time, hash_text } from '../../plugins/mcp_tools.ts';
import { evaluateArithmetic } from '../../plugins/lib/arithmetic.ts';

describe('example tools', () => {
  it('get_current_time formats short, long and iso in a timezone', () => {
    expect(get_current_time({})).toMatch(/^\d{2}:\d{2}$/);
    expect(get_current_time({ format: 'iso', timezone: 'Asia/Kolkata' })).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/,
    );
    expect(get_current_time({ format: 'iso' })).toMatch(/\+00:00$/);
    expect(get_current_time({ format: 'long', timezone: 'America/New_York' })).toMatch(/\d{4} at /);
    expect(() => get_current_time({ timezone: 'Mars/Olympus' })).toThrow(/Unknown timezone "Mars\/Olympus"/);
  });

  it('calculate follows precedence and refuses anything but arithmetic', () => {
    expect(calculate({ expression: '(2 + 3) * 4 ^ 2' }).result).toBe(80);
    expect(evaluateArithmetic('2 ^ 3 ^ 2')).toBe(512);
    expect(evaluateArithmetic('-3 + 10 % 4 / 2')).toBe(-2);
    expect(() => evaluateArithmetic('process.exit()')).toThrow(/Invalid expression/);
    expect(() => evaluateArithmetic('1 / 0')).toThrow(/not a finite number/);
    expect(() => evaluateArithmetic('(1 + 2')).toThrow(/missing "\)"/);
  });

  it('hash_text digests text', () => {
    expect(hash_text({ text: 'abc' })).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
