import { existsSync, readFileSync } from 'node:fs';

/**
 * A marker file's text once a handler has written it; undefined before. A file that exists but is still
 * empty counts as not written: `writeFileSync` creates it before it writes.
 */
export function writtenMarker(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  return text === '' ? undefined : text;
}
