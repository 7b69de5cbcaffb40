/**
 * Example tools named in config/config.yaml (`handler: mcp_tools.<export>`), the TypeScript form of the
 * LiteLLM example's mcp_tools.py.
 */
import { createHash, randomUUID } from 'node:crypto';
import { evaluateArithmetic } from './lib/arithmetic.ts';

type TimeFormat = 'short' | 'long' | 'iso';

function timeZoneOrThrow(timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`Unknown timezone "${timezone}": use an IANA name such as UTC or America/New_York`);
  }
}

function isoInZone(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** The current time: `short` is HH:MM, `long` a full sentence, `iso` ISO 8601 with the zone's offset. */
export function get_current_time({
  format = 'short',
  timezone = 'UTC',
}: {
  format?: TimeFormat;
  timezone?: string;
}): string {
  const timeZone = timeZoneOrThrow(timezone);
  const now = new Date();
  switch (format) {
    case 'short':
      return new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(now);
    case 'long':
      return new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'full', timeStyle: 'long' }).format(now);
    case 'iso':
      return isoInZone(now, timeZone);
    default:
      throw new Error(`Unknown format "${String(format)}": use short, long or iso`);
  }
}

/** Evaluates an arithmetic expression (+ - * / % ^, parentheses, decimals) without `eval`. */
export function calculate({ expression }: { expression: string }): { expression: string; result: number } {
  return { expression, result: evaluateArithmetic(expression) };
}

/** A digest of some text, hex-encoded. */
export function hash_text({
  text,
  algorithm = 'sha256',
}: {
  text: string;
  algorithm?: 'sha256' | 'sha1' | 'md5';
}): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}

/** One or more random v4 UUIDs. */
export function generate_uuid({ count = 1 }: { count?: number }): string {
  return Array.from({ length: count }, () => randomUUID()).join('\n');
}
