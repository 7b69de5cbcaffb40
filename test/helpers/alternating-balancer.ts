import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlternatingBalancer {
  readonly url: string;
  /** Requests sent to each backend, in the order given. */
  readonly counts: number[];
  /** The backend index of each request, in arrival order. */
  readonly sequence: number[];
  /** Cuts every SSE response open now, as a dropped connection would. */
  dropStreams(): void;
  /** GETs that carried `Last-Event-ID` (clients resuming a stream). */
  resumed(): number;
  /** The backend the latest POST went to. */
  lastPostBackend(): number;
  stop(): Promise<void>;
}

/**
 * A load balancer with no affinity at all: each request goes to the next backend in turn (skipping one
 * that refuses connections), its response streamed back (SSE included), as a round-robin reverse proxy
 * does.
 */
export async function startAlternatingBalancer(backends: readonly string[]): Promise<AlternatingBalancer> {
  const counts = backends.map(() => 0);
  const sequence: number[] = [];
  let next = 0;
  let resumes = 0;
  let lastPost = -1;
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    // Bodies are small here: buffered, so that a request a dead backend refused can go to the next one.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(Buffer.concat(chunks), backends.length));
    if (req.method === 'GET' && req.headers['last-event-id'] !== undefined) resumes += 1;
    const forward = (body: Buffer, triesLeft: number) => {
      const index = next;
      next = (next + 1) % backends.length;
      counts[index] = (counts[index] ?? 0) + 1;
      sequence.push(index);
      if (req.method === 'POST') lastPost = index;
      const target = new URL(req.url ?? '/', backends[index]);
      // The client's Host is kept, as a proxy set up with `proxy_set_header Host $host` does.
      const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (String(answer.headers['content-type']).includes('text/event-stream')) {
          streams.add(res);
          res.on('close', () => streams.delete(res));
        }
        // A backend that dies mid-response cuts the client's connection too, as a proxy does.
        answer.on('error', () => res.destroy());
        answer.on('aborted', () => res.destroy());
        answer.pipe(res);
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        // A backend that is down (refused the connection) is skipped, as a proxy's next-upstream does.
        if (error.code === 'ECONNREFUSED' && triesLeft > 1) return forward(body, triesLeft - 1);
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    sequence,
    dropStreams() {
      for (const stream of streams) stream.destroy();
    },
    resumed: () => resumes,
    lastPostBackend: () => lastPost,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
