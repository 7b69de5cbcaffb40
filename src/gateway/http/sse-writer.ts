import { once } from 'node:events';
import type { Response } from 'express';

/** An SSE response's headers: proxies neither buffer nor cache it. */
export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/** Starts an SSE response, sending its headers at once. */
export function startEventStream(res: Response): void {
  res.writeHead(200, EVENT_STREAM_HEADERS);
  res.flushHeaders();
}

/** One SSE event as written: an optional `id:` and `event:`, then its `data:`. */
export function eventFrame(data: string, options: { readonly event?: string; readonly id?: string } = {}): string {
  return `${options.id === undefined ? '' : `id: ${options.id}\n`}${options.event === undefined ? '' : `event: ${options.event}\n`}data: ${data}\n\n`;
}

/**
 * Writes one event, waiting for the socket to drain when the client reads slower than we write. A
 * client that goes away while we wait ends the wait too ('drain' would never come).
 */
export async function writeEvent(res: Response, data: string, options?: { readonly event?: string }): Promise<void> {
  if (res.writableEnded || res.destroyed) return;
  if (res.write(eventFrame(data, options))) return;
  const stop = new AbortController();
  await Promise.race([once(res, 'drain', { signal: stop.signal }), once(res, 'close', { signal: stop.signal })]).catch(
    () => {},
  );
  stop.abort();
}
