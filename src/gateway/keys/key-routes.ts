import type { Request, Response, Router } from 'express';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { findServer, type UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import type { KeyStore } from './key-store.js';
import type { KeyUsage } from './key-usage.js';
import { principalOf } from './principal.js';

/**
 * The body with `object_permission`'s servers under their configured names (an alias is accepted), so
 * that a typo is refused now rather than silently granting nothing.
 */
function withServerNames(
  body: Record<string, unknown>,
  servers: readonly UpstreamServerConfig[],
): Record<string, unknown> {
  const permission = body.object_permission;
  if (!isJsonObject(permission)) return body;
  const nameOf = (nameOrAlias: unknown) => {
    const server = findServer(servers, nameOrAlias);
    if (!server)
      throw new AppError(
        'invalid_request',
        `object_permission names an unknown MCP server: ${String(nameOrAlias)} (configured: ${servers.map((candidate) => candidate.name).join(', ') || 'none'})`,
      );
    return server.name;
  };
  const { mcp_servers: listed, mcp_tool_permissions: byServer } = permission;
  return {
    ...body,
    object_permission: {
      ...permission,
      ...(Array.isArray(listed) && { mcp_servers: listed.map(nameOf) }),
      ...(isJsonObject(byServer) && {
        mcp_tool_permissions: Object.fromEntries(
          Object.entries(byServer).map(([server, tools]) => [nameOf(server), tools]),
        ),
      }),
    },
  };
}

/** Refuses `models` that name no model the gateway serves: a typo would otherwise grant nothing, silently. */
function checkModels(body: Record<string, unknown>, models: { has(name: string): boolean }): void {
  if (!Array.isArray(body.models)) return;
  const unknown = body.models.filter((name) => typeof name !== 'string' || !models.has(name));
  if (unknown.length > 0)
    throw new AppError('invalid_request', `models names unknown models: ${unknown.map(String).join(', ')}`);
}

/**
 * Refuses `tools` that name no tool the gateway serves or may serve: listed now, or named under a
 * prefixed upstream server's prefix (its tools come and go with its listing). A server served without a
 * prefix has no such names: its tools must be listed when the key is made.
 */
function checkTools(body: Record<string, unknown>, knowsTool: (name: string) => boolean): void {
  if (!Array.isArray(body.tools)) return;
  const unknown = body.tools.filter((name) => typeof name !== 'string' || !knowsTool(name));
  if (unknown.length > 0)
    throw new AppError('invalid_request', `tools names unknown tools: ${unknown.map(String).join(', ')}`);
}

/**
 * LiteLLM's key routes, master key only: generate, info, update, delete, list. Without Redis there is
 * nowhere all gateways can share keys, so they answer 501. A record's `token` is the key's hash: the key
 * itself is never stored, and shown only once, when it is generated.
 */
export function mountKeyRoutes(
  router: Router,
  deps: {
    keys: KeyStore | undefined;
    usage: KeyUsage | undefined;
    masterKeySet: boolean;
    servers: readonly UpstreamServerConfig[];
    /** The model groups, to refuse `models` naming none of them. */
    models: { has(name: string): boolean };
    /** Whether a tool name is one the gateway serves or may serve (see `checkTools`). */
    knowsTool: (name: string) => boolean;
  },
): void {
  const store = (res: Response): KeyStore => {
    if (!deps.masterKeySet)
      throw new AppError('forbidden', 'Virtual keys need a master key: set general_settings.master_key');
    if (principalOf(res).kind !== 'master') throw new AppError('forbidden', 'The key routes need the master key');
    if (!deps.keys)
      throw new AppError(
        'not_implemented',
        'Virtual keys need Redis: set REDIS_URL (queue mode) to create and use them',
      );
    return deps.keys;
  };
  const body = (req: Request) => {
    if (!isJsonObject(req.body)) throw new AppError('invalid_request', 'Request body must be a JSON object');
    checkModels(req.body, deps.models);
    checkTools(req.body, deps.knowsTool);
    return withServerNames(req.body, deps.servers);
  };
  const keyIn = (value: unknown) => {
    if (typeof value !== 'string' || value === '')
      throw new AppError('invalid_request', "Missing required parameter: 'key'");
    return value;
  };

  // The store (and so the master-key check) comes first: nobody else learns even which servers exist.
  router.post('/key/generate', async (req, res) => {
    const keys = store(res);
    const { key, record } = await keys.generate(body(req));
    res.json({ key, ...record });
  });
  router.get('/key/info', async (req, res) => {
    const key = keyIn(req.query.key);
    const record = await store(res).lookup(key);
    if (!record) throw new AppError('not_found', 'Key not found');
    res.json({ key: record.token, info: { ...record, usage: await deps.usage?.report(record) } });
  });
  router.post('/key/update', async (req, res) => {
    const keys = store(res);
    const fields = body(req);
    const record = await keys.update(keyIn(fields.key), fields);
    res.json(record);
  });
  router.post('/key/delete', async (req, res) => {
    const keys = store(res);
    const deleted = body(req).keys;
    if (!Array.isArray(deleted) || !deleted.every((key) => typeof key === 'string'))
      throw new AppError('invalid_request', "Missing required parameter: 'keys' (an array of keys)");
    await keys.delete(deleted);
    res.json({ deleted_keys: deleted });
  });
  router.get('/key/list', async (req, res) => {
    const records = await store(res).list();
    res.json({ keys: records.map((record) => record.token), total_count: records.length });
  });
}
