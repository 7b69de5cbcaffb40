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

/** The file a fixture handler (`wait_for_abort`, `mark_after`) writes as soon as it runs. */
export function startedMarker(marker: string): string {
  return `${marker}.started`;
}

/** Resolves with a marker's text once a handler has written it; rejects after `timeoutMs`. */
export async function waitForMarker(path: string, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (let text = writtenMarker(path); ; text = writtenMarker(path)) {
    if (text !== undefined) return text;
    if (Date.now() > until) throw new Error(`no handler wrote ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
