import type { ServerResponse } from 'node:http';

/** Proxies cut SSE streams that stay silent; an SSE comment every 15 s keeps them open. */
const KEEPALIVE_MS = 15_000;

/** Writes `: keepalive` comments on an SSE response until it closes. */
export function keepSseAlive(res: ServerResponse): void {
  const timer = setInterval(() => {
    if (!res.writableEnded && !res.destroyed) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  res.once('close', () => clearInterval(timer));
}
