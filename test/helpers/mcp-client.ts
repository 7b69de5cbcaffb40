import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type TransportKind = 'streamable-http' | 'sse';

/** Connects the real SDK client the way users do: streamable HTTP to `/mcp`, legacy SSE to `/mcp/`. */
export async function connectClient(
  baseUrl: string,
  kind: TransportKind,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
  const transport =
    kind === 'streamable-http'
      ? new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers } })
      : new SSEClientTransport(new URL('/mcp/', baseUrl), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) =>
              fetch(url, {
                ...init,
                headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), ...headers },
              }),
          },
        });
  await client.connect(transport);
  return client;
}
