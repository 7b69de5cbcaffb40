import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../config/mcp-servers.js';
import type { RegisteredTool } from '../plugins/tool-registry.js';

const MAX_NAME = 64;

/**
 * The gateway's name for an upstream tool: `{prefix}{separator}{tool}`, or the tool's own name without a
 * prefix. Past 64 characters it is cut and ends in a short hash of the whole name, so it stays unique
 * and the same from run to run.
 */
export function gatewayToolName(prefix: string | undefined, separator: string, tool: string): string {
  const name = prefix === undefined ? tool : `${prefix}${separator}${tool}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}

/** Whether `allowed_tools` / `disallowed_tools` let a tool through (allowed wins when both name it). */
export function isToolExposed(server: UpstreamServerConfig, tool: string): boolean {
  if (server.allowedTools !== undefined) return server.allowedTools.includes(tool);
  return !server.disallowedTools.includes(tool);
}

/** An upstream server's listed tools as the gateway serves them: filtered, renamed, with their deadlines. */
export function registeredUpstreamTools(
  server: UpstreamServerConfig,
  listed: readonly Tool[],
  options: { separator: string; defaultTimeoutMs: number },
): RegisteredTool[] {
  return listed
    .filter((tool) => isToolExposed(server, tool.name))
    .map((tool) => ({
      name: gatewayToolName(server.prefix, options.separator, tool.name),
      description: tool.description ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      annotations: tool.annotations,
      timeoutMs: server.timeoutMs ?? options.defaultTimeoutMs,
      isolation: 'shared',
      maxConcurrency: undefined,
      target: { kind: 'upstream', server: server.name, tool: tool.name },
      origin: `mcp_servers.${server.name} tool "${tool.name}"`,
    }));
}
