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
