import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlternatingBalancer {
  readonly url: string;
  /** Requests sent to each backend, in the order given. */
  readonly counts: number[];
  /** The backend index of each request, in arrival order. */
  readonly sequence: number[];
  stop(): Promise<void>;
}

/**
 * A load balancer with no affinity at all: each request goes to the next backend in turn, streamed
 * both ways (SSE responses included), as a round-robin reverse proxy does.
 */
export async function startAlternatingBalancer(backends: readonly string[]): Promise<AlternatingBalancer> {
  const counts = backends.map(() => 0);
  const sequence: number[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const index = next;
    next = (next + 1) % backends.length;
    counts[index] = (counts[index] ?? 0) + 1;
    sequence.push(index);
    const target = new URL(req.url ?? '/', backends[index]);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    sequence,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
