import { once } from 'node:events';
import type { Response } from 'express';

/** Starts an SSE response that proxies neither buffer nor cache. */
export function startEventStream(res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}

/**
 * Writes one `data:` event, waiting for the socket to drain when the client reads slower than we write.
 * A client that goes away while we wait ends the wait too ('drain' would never come).
 */
export async function writeEvent(res: Response, data: string): Promise<void> {
  if (res.writableEnded || res.destroyed) return;
  if (res.write(`data: ${data}\n\n`)) return;
  const stop = new AbortController();
  await Promise.race([once(res, 'drain', { signal: stop.signal }), once(res, 'close', { signal: stop.signal })]).catch(() => {});
  stop.abort();
}
