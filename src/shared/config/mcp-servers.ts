import { z } from 'zod';
import { formatKeyPath } from './config-error.js';
import { parseConfigValue, resolveConfigValue, type EnvSnapshot } from './secret.js';

/** An upstream MCP server from `mcp_servers`, ready to connect to. */
export interface UpstreamServerConfig {
  /** The `mcp_servers` key. */
  readonly name: string;
  /** What its tools' names start with: `alias`, else the name; none with `prefix: false`. */
  readonly prefix: string | undefined;
  readonly description: string | undefined;
  readonly transport: UpstreamTransport;
  readonly allowedTools: readonly string[] | undefined;
  readonly disallowedTools: readonly string[];
  /** Per call; by default `tool_timeout_ms`. */
  readonly timeoutMs: number | undefined;
  /** Connections per process: stdio children or HTTP sessions. */
  readonly maxConnections: number;
  /** Why it cannot be used (an auth type not served, an unset variable); it is then left out. */
  readonly unavailable: string | undefined;
}

/** The server a client names by its `mcp_servers` key or its alias. */
export function findServer(
  servers: readonly UpstreamServerConfig[],
  nameOrAlias: unknown,
): UpstreamServerConfig | undefined {
  return servers.find((candidate) => candidate.name === nameOrAlias || candidate.prefix === nameOrAlias);
}

export type UpstreamTransport =
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'http' | 'sse';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      /** Client headers passed on with each request (`extra_headers`, lowercased). */
      readonly forwardedHeaders: readonly string[];
      /** Client headers named `x-mcp-{this}-{header}` are passed on as `{header}` (LiteLLM's form). */
      readonly headerAlias: string;
    };

/** LiteLLM's server names: no `-`, which separates the prefix from the tool name. */
const SERVER_NAME = /^[A-Za-z0-9_]{1,32}$/;
const SERVED_AUTH = ['none', 'api_key', 'bearer_token', 'basic', 'authorization', 'token'] as const;
const DEFAULT_MAX_CONNECTIONS = 4;

const serverSchema = z.looseObject({
  transport: z.enum(['http', 'sse', 'stdio']).optional(),
  url: z.string().url().optional(),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  auth_type: z.string().optional(),
  auth_value: z.string().optional(),
  static_headers: z.record(z.string(), z.string()).default({}),
  extra_headers: z.array(z.string()).optional(),
  allowed_tools: z.array(z.string()).optional(),
  disallowed_tools: z.array(z.string()).default([]),
  alias: z.string().regex(SERVER_NAME, 'expected ^[A-Za-z0-9_]{1,32}$').optional(),
  description: z.string().optional(),
  timeout_ms: z.number().int().positive().optional(),
  prefix: z.boolean().default(true),
  max_connections: z.number().int().positive().max(1_000).default(DEFAULT_MAX_CONNECTIONS),
});

const KNOWN_KEYS = new Set(Object.keys(serverSchema.shape));

/** The header an `auth_type` and its value make (LiteLLM's forms). */
function authHeaders(type: (typeof SERVED_AUTH)[number], value: string): Record<string, string> {
  switch (type) {
    case 'none':
      return {};
    case 'api_key':
      return { 'X-API-Key': value };
    case 'bearer_token':
      return { Authorization: `Bearer ${value}` };
    case 'basic':
      return { Authorization: `Basic ${value.includes(':') ? Buffer.from(value).toString('base64') : value}` };
    case 'authorization':
      return { Authorization: value };
    case 'token':
      return { Authorization: `token ${value}` };
  }
}

export interface ParsedMcpServers {
  readonly servers: UpstreamServerConfig[];
  readonly warnings: string[];
  readonly problems: string[];
}

/**
 * `mcp_servers` as `[name, entry]` pairs, from the map form (keyed by name) or the list form (each entry
 * names itself with `server_name`, as in LiteLLM's deployment docs).
 */
function namedEntries(
  file: string,
  raw: Record<string, unknown> | readonly unknown[],
  problems: string[],
): [string, unknown][] {
  if (!Array.isArray(raw)) return Object.entries(raw);
  const named: [string, unknown][] = [];
  raw.forEach((entry: unknown, index) => {
    const { server_name: name, ...rest } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (typeof name !== 'string')
      problems.push(`${file}: mcp_servers[${index}].server_name: expected the server's name`);
    else if (named.some(([taken]) => taken === name))
      problems.push(`${file}: mcp_servers[${index}].server_name: "${name}" is named twice`);
    else named.push([name, rest]);
  });
  return named;
}

/**
 * Reads `mcp_servers`: problems (naming the key path) stop startup; an auth type toolgate does not serve,
 * or an `auth_value` naming an unset variable, leaves only that server unavailable, with a warning.
 */
export function parseMcpServers(
  file: string,
  raw: Record<string, unknown> | readonly unknown[] | undefined,
  env: EnvSnapshot,
): ParsedMcpServers {
  const servers: UpstreamServerConfig[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const [name, entry] of namedEntries(file, raw ?? {}, problems)) {
    const where = `${file}: mcp_servers.${name}`;
    if (!SERVER_NAME.test(name)) {
      problems.push(
        `${where}: server names must match ^[A-Za-z0-9_]{1,32}$ (no "-": it separates the prefix from tool names)`,
      );
      continue;
    }
    const parsed = serverSchema.safeParse(entry ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${where}${issue.path.length ? `.${formatKeyPath(issue.path)}` : ''}: ${issue.message}`);
      continue;
    }
    const server = parsed.data;
    for (const key of Object.keys(server))
      if (!KNOWN_KEYS.has(key)) warnings.push(`${where}.${key}: unknown key, ignored`);
    const kind = server.transport ?? (server.command !== undefined ? 'stdio' : 'http');
    if (kind === 'stdio' && server.command === undefined) {
      problems.push(`${where}.command: a stdio server needs a command`);
      continue;
    }
    if (kind !== 'stdio' && server.url === undefined) {
      problems.push(`${where}.url: an ${kind} server needs a url`);
      continue;
    }
    let unavailable: string | undefined;
    let headers: Record<string, string> = { ...server.static_headers };
    const authType = server.auth_type ?? 'none';
    if (!(SERVED_AUTH as readonly string[]).includes(authType)) {
      unavailable = `auth_type "${authType}" is not served yet (served: ${SERVED_AUTH.join(', ')})`;
    } else if (authType !== 'none') {
      try {
        const value = resolveConfigValue(
          parseConfigValue(server.auth_value ?? ''),
          env,
          `mcp_servers.${name}.auth_value`,
        );
        headers = { ...headers, ...authHeaders(authType as (typeof SERVED_AUTH)[number], value) };
      } catch (error) {
        unavailable = (error as Error).message;
      }
    }
    if (kind === 'stdio' && server.extra_headers !== undefined)
      warnings.push(`${where}.extra_headers: a stdio server gets no HTTP headers; ignored`);
    if (unavailable !== undefined) warnings.push(`${where}: unavailable: ${unavailable}`);
    servers.push(
      Object.freeze({
        name,
        prefix: server.prefix ? (server.alias ?? name) : undefined,
        description: server.description,
        transport:
          kind === 'stdio'
            ? {
                kind,
                command: server.command ?? '',
                args: server.args,
                env: Object.fromEntries(Object.entries(server.env).map(([key, value]) => [key, String(value)])),
              }
            : {
                kind,
                url: server.url ?? '',
                headers,
                forwardedHeaders: (server.extra_headers ?? []).map((header) => header.toLowerCase()),
                headerAlias: (server.alias ?? name).toLowerCase(),
              },
        allowedTools: server.allowed_tools,
        disallowedTools: server.disallowed_tools,
        timeoutMs: server.timeout_ms,
        maxConnections: server.max_connections,
        unavailable,
      }),
    );
  }
  return { servers, warnings, problems };
}
