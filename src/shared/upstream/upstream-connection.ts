import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import { isAlive, killAndWait, processTree } from '../mcp/process-tree.js';
import type { McpTransportSpec } from '../mcp/transports.js';

/** One client connection to an upstream server (a stdio child, or an HTTP session). */
export interface Connection {
  readonly client: Client;
  readonly pid: number | undefined;
  inFlight: number;
  closed: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

/** How to reach a server, as `openTransport` takes it. */
export function transportSpec(server: UpstreamServerConfig): McpTransportSpec {
  const { transport } = server;
  // A stdio server gets the SDK's safe subset of this process's environment plus its own `env`.
  if (transport.kind === 'stdio')
    return {
      kind: 'stdio',
      command: transport.command,
      args: transport.args,
      env: { ...getDefaultEnvironment(), ...transport.env },
    };
  return { kind: transport.kind, url: new URL(transport.url), headers: { ...transport.headers } };
}

/** Closes a connection and ends a stdio child's whole process tree; drops it from `connections`. */
export async function closeConnection(connection: Connection, connections: Set<Connection>): Promise<void> {
  if (connection.closed) return;
  connection.closed = true;
  connections.delete(connection);
  clearTimeout(connection.idleTimer);
  // Snapshot the child's own children first: once it exits they are re-parented and out of sight.
  const tree = connection.pid === undefined ? [] : processTree(connection.pid);
  await connection.client.close().catch(() => {});
  const survivors = tree.filter(isAlive);
  if (survivors.length > 0) await killAndWait(survivors);
}
