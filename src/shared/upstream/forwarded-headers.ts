import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamServerConfig } from '../config/mcp-servers.js';

/**
 * Headers that belong to the hop or to the MCP session itself: a client never sets them on the upstream
 * connection, whichever way it names them.
 */
const NEVER_FORWARDED = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'accept',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

const valueOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);

/**
 * The client headers one upstream server gets with a request: those its `extra_headers` name, and every
 * `x-mcp-{alias}-{header}` as `{header}` (which wins when both give one). Undefined when there are none,
 * or for a stdio server.
 */
export function forwardedHeaders(
  server: UpstreamServerConfig,
  client: IncomingHttpHeaders | undefined,
): Record<string, string> | undefined {
  const { transport } = server;
  if (client === undefined || transport.kind === 'stdio') return undefined;
  const headers: Record<string, string> = {};
  for (const name of transport.forwardedHeaders) {
    const value = valueOf(client[name]);
    if (value !== undefined && !NEVER_FORWARDED.has(name)) headers[name] = value;
  }
  const prefix = `x-mcp-${transport.headerAlias}-`;
  for (const [name, raw] of Object.entries(client)) {
    const value = valueOf(raw);
    const header = name.slice(prefix.length);
    if (name.startsWith(prefix) && header.length > 0 && value !== undefined && !NEVER_FORWARDED.has(header))
      headers[header] = value;
  }
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/** Headers a call carries for itself: its request id and trace context. */
const CALL_HEADERS = ['x-request-id', 'traceparent', 'tracestate'];

/**
 * Keeps, of a client's headers, what a call can use and nothing else (credentials above all): its request
 * id and trace context, and what some upstream server gets (`extra_headers`, `x-mcp-{alias}-*`). For a
 * request that crosses to another gateway; the names are gathered once, from the config.
 */
export function callHeaderFilter(
  servers: readonly UpstreamServerConfig[],
): (client: IncomingHttpHeaders) => Record<string, string | string[] | undefined> {
  const named = new Set(CALL_HEADERS);
  for (const { transport } of servers)
    if (transport.kind !== 'stdio') for (const name of transport.forwardedHeaders) named.add(name);
  return (client) =>
    Object.fromEntries(
      Object.entries(client).filter(
        ([name]) => named.has(name) || (name.startsWith('x-mcp-') && !NEVER_FORWARDED.has(name)),
      ),
    );
}
