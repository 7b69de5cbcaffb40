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

/**
 * A streamable HTTP client whose standalone GET stream (server notifications outside requests) is known
 * to be open: `streamOpened` resolves when the gateway has answered the SDK's GET.
 */
export async function connectWithGetStream(baseUrl: string): Promise<{ client: Client; streamOpened: Promise<void> }> {
  let opened: () => void = () => {};
  const streamOpened = new Promise<void>((resolve) => (opened = resolve));
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      if (init?.method === 'GET' && response.ok) opened();
      return response;
    },
  });
  await client.connect(transport);
  return { client, streamOpened };
}
