import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the mock does with one request. */
export type UpstreamBehaviour =
  | { readonly status: number; readonly json: unknown; readonly delayMs?: number }
  | { readonly chunks: readonly unknown[]; readonly delayMs?: number }
  /** Named SSE events, as Anthropic's Messages API streams them. */
  | { readonly events: readonly { readonly event: string; readonly data: unknown }[] };

export interface RecordedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Streams whose client went away before the last chunk. */
  readonly abortedStreams: number;
  close(): Promise<void>;
}

/** A chat completion in OpenAI's shape, as an upstream would answer it. */
export function completionBody(content: string, model = 'upstream-model', extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-upstream',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...extra },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  };
}

export function chunkBody(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  extra: Record<string, unknown> = {},
) {
  return {
    id: 'chatcmpl-upstream',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'upstream-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...extra,
  };
}

/**
 * A local OpenAI-compatible server for tests: `behave` decides each answer from the path (so several
 * deployments can share it under different path prefixes) and the parsed body.
 */
export async function startMockUpstream(
  behave: (path: string, body: Record<string, unknown>) => UpstreamBehaviour,
): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  let abortedStreams = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers, body });
    const behaviour = behave(path, body);
    if ('status' in behaviour) {
      if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      if (res.destroyed) return;
      res.writeHead(behaviour.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(behaviour.json));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if ('events' in behaviour) {
      for (const { event, data } of behaviour.events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
      return;
    }
    let finished = false;
    res.on('close', () => {
      if (!finished) abortedStreams += 1;
    });
    for (const chunk of behaviour.chunks) {
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    }
    finished = true;
    res.end('data: [DONE]\n\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get abortedStreams() {
      return abortedStreams;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
