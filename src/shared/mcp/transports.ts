import { AsyncLocalStorage } from 'node:async_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * Headers for the HTTP requests made while a function runs: connections are shared by many clients, so
 * a client's own headers travel with its request rather than with the connection.
 */
const requestHeaders = new AsyncLocalStorage<Record<string, string>>();

/** Runs `send` with `headers` added to every HTTP request it makes on an MCP transport (none: as it is). */
export function withRequestHeaders<Result>(
  headers: Record<string, string> | undefined,
  send: () => Promise<Result>,
): Promise<Result> {
  return headers === undefined ? send() : requestHeaders.run(headers, send);
}

/** `fetch` with the static headers, and the current request's own on top when it has some. */
function fetchWith(staticHeaders: Record<string, string>): FetchLike {
  return (input, init) => {
    const headers = {
      ...Object.fromEntries(new Headers(init?.headers).entries()),
      ...staticHeaders,
      ...requestHeaders.getStore(),
    };
    return fetch(input, { ...init, headers });
  };
}

/** How to reach an MCP server; `createMcpClient` opens it. */
export type McpTransportSpec =
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env?: Record<string, string>;
      readonly cwd?: string;
    }
  | { readonly kind: 'sse' | 'http'; readonly url: URL; readonly headers: Record<string, string> };

export interface StdioOptions {
  readonly command: string;
  readonly args?: readonly string[];
  /** The child's environment; by default the SDK passes a safe subset of this process's (PATH, HOME, …). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** A server started as a child process, speaking MCP over its stdin and stdout. */
export function stdioTransport(options: StdioOptions): McpTransportSpec {
  return { kind: 'stdio', command: options.command, args: options.args ?? [], env: options.env, cwd: options.cwd };
}

/** A server speaking the legacy HTTP+SSE transport (2024-11-05), e.g. `http://127.0.0.1:4000/mcp/`. */
export function sseTransport(url: string | URL, options: { headers?: Record<string, string> } = {}): McpTransportSpec {
  return { kind: 'sse', url: new URL(url), headers: options.headers ?? {} };
}

/** A server speaking streamable HTTP (2025-03-26 and later), e.g. `http://127.0.0.1:4000/mcp`. */
export function httpTransport(url: string | URL, options: { headers?: Record<string, string> } = {}): McpTransportSpec {
  return { kind: 'http', url: new URL(url), headers: options.headers ?? {} };
}

/** A stdio server's stderr line is cut past this many characters (a log record each). */
const MAX_STDERR_LINE = 4096;

/**
 * Builds the SDK transport for a spec. A stdio server's stderr goes to this process's stderr, or, with
 * `onStderrLine`, line by line to it (a gateway logs each line as a record naming the server, instead of
 * mixing raw text into its JSON log).
 */
export function openTransport(
  spec: McpTransportSpec,
  options: { onStderrLine?: (line: string) => void } = {},
): Transport {
  switch (spec.kind) {
    case 'stdio': {
      const { onStderrLine } = options;
      const transport = new StdioClientTransport({
        command: spec.command,
        args: [...spec.args],
        env: spec.env,
        cwd: spec.cwd,
        stderr: onStderrLine ? 'pipe' : 'inherit',
      });
      // The SDK hands out the pipe before the child starts, so no line is missed.
      if (onStderrLine && transport.stderr)
        createInterface({ input: transport.stderr as Readable, crlfDelay: Infinity }).on('line', (line) =>
          onStderrLine(line.length > MAX_STDERR_LINE ? `${line.slice(0, MAX_STDERR_LINE)}…` : line),
        );
      return transport;
    }
    case 'http':
      return new StreamableHTTPClientTransport(spec.url, { fetch: fetchWith(spec.headers) });
    case 'sse':
      return new SSEClientTransport(spec.url, {
        fetch: fetchWith(spec.headers),
        // The SSE stream's GET goes through EventSource, which needs its fetch given separately.
        eventSourceInit: { fetch: fetchWith(spec.headers) },
      });
  }
}
