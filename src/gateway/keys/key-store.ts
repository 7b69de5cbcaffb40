import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { RedisClient } from '../../shared/queue/redis-connection.js';

/** A virtual key as stored: never the key itself, only its hash. LiteLLM's field names. */
export interface VirtualKey {
  readonly token: string;
  readonly key_alias: string | null;
  /** Model groups it may use; empty: every model. */
  readonly models: readonly string[];
  /** Tools it may list and call, by the gateway's names (local plugin tools, or any). */
  readonly tools: readonly string[];
  /**
   * The upstream MCP servers it may use: all of a server's tools, or only some. Null when never given;
   * once given (even with empty lists) the key may use only what it and `tools` name.
   */
  readonly object_permission: ObjectPermission | null;
  readonly rpm_limit: number | null;
  readonly max_parallel_requests: number | null;
  readonly expires: string | null;
  readonly metadata: Record<string, unknown>;
  readonly created_at: string;
}

/**
 * LiteLLM's `object_permission`: `mcp_servers` whose every tool the key may use, and
 * `mcp_tool_permissions`, a server's tools (by the server's own names) it may use.
 */
export interface ObjectPermission {
  readonly mcp_servers: readonly string[];
  readonly mcp_tool_permissions: Readonly<Record<string, readonly string[]>>;
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

const DURATION = /^(\d+)([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** LiteLLM's `duration` (`30s`, `15m`, `12h`, `7d`) in milliseconds. */
function durationMs(duration: unknown): number | undefined {
  if (duration === undefined || duration === null) return undefined;
  const match = typeof duration === 'string' ? DURATION.exec(duration) : null;
  if (!match) throw new AppError('invalid_request', 'duration must look like "30s", "15m", "12h" or "7d"');
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const stringList = (value: unknown, field: string): string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new AppError('invalid_request', `${field} must be an array of strings`);
  return value;
};
const limit = (value: unknown, field: string): number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new AppError('invalid_request', `${field} must be a positive integer`);
  return value;
};

function objectPermissionOf(value: unknown): ObjectPermission | null {
  if (value === null) return null;
  if (!isJsonObject(value))
    throw new AppError(
      'invalid_request',
      'object_permission must be an object with mcp_servers and mcp_tool_permissions',
    );
  const permissions = value.mcp_tool_permissions ?? {};
  if (!isJsonObject(permissions))
    throw new AppError(
      'invalid_request',
      'object_permission.mcp_tool_permissions must map server names to arrays of tool names',
    );
  return {
    mcp_servers: stringList(value.mcp_servers, 'object_permission.mcp_servers'),
    mcp_tool_permissions: Object.fromEntries(
      Object.entries(permissions).map(([server, tools]) => [
        server,
        stringList(tools, `object_permission.mcp_tool_permissions.${server}`),
      ]),
    ),
  };
}

/** The fields a generate or update request sets, checked. */
function fieldsOf(body: Record<string, unknown>, current?: VirtualKey): Omit<VirtualKey, 'token' | 'created_at'> {
  const lifetime = durationMs(body.duration);
  return {
    key_alias:
      body.key_alias === undefined
        ? (current?.key_alias ?? null)
        : typeof body.key_alias === 'string'
          ? body.key_alias
          : null,
    models: body.models === undefined ? (current?.models ?? []) : stringList(body.models, 'models'),
    tools: body.tools === undefined ? (current?.tools ?? []) : stringList(body.tools, 'tools'),
    object_permission:
      body.object_permission === undefined
        ? (current?.object_permission ?? null)
        : objectPermissionOf(body.object_permission),
    rpm_limit: body.rpm_limit === undefined ? (current?.rpm_limit ?? null) : limit(body.rpm_limit, 'rpm_limit'),
    max_parallel_requests:
      body.max_parallel_requests === undefined
        ? (current?.max_parallel_requests ?? null)
        : limit(body.max_parallel_requests, 'max_parallel_requests'),
    expires: lifetime === undefined ? (current?.expires ?? null) : new Date(Date.now() + lifetime).toISOString(),
    metadata: isJsonObject(body.metadata) ? body.metadata : (current?.metadata ?? {}),
  };
}

/** A request's place within its key's limits: admitted (give it back with `release`), or why not. */
export type Admission =
  | { readonly admitted: true; readonly release: () => void }
  | { readonly admitted: false; readonly over: 'rpm_limit'; readonly retryAfterSeconds: number }
  | { readonly admitted: false; readonly over: 'max_parallel_requests' };

/**
 * How long a request holds its place among a key's parallel requests at most: a gateway that dies
 * holding some gives them back when they expire, one by one.
 */
const PARALLEL_HOLD_MS = 600_000;
const NOTHING_TO_RELEASE = () => {};

export interface KeyStore {
  generate(body: Record<string, unknown>): Promise<{ key: string; record: VirtualKey }>;
  /** The live key a client presented; undefined when unknown, deleted or expired. Throws when Redis fails. */
  lookup(key: string): Promise<VirtualKey | undefined>;
  update(key: string, body: Record<string, unknown>): Promise<VirtualKey>;
  delete(keys: readonly string[]): Promise<number>;
  list(): Promise<VirtualKey[]>;
  /**
   * Counts `count` requests against the key's `rpm_limit` and (unless `holdsParallel` is false: calls made
   * within a request that holds its own) takes as many of its `max_parallel_requests`, in one round trip;
   * all or none. Throws when Redis fails.
   */
  admit(record: VirtualKey, count?: number, options?: { readonly holdsParallel?: boolean }): Promise<Admission>;
  /** Adds to the key's usage counters (kept as long as the key). */
  addUsage(record: VirtualKey, counts: Readonly<Record<string, number>>): Promise<void>;
  /** The key's usage counters, as `addUsage` named them. */
  usage(record: VirtualKey): Promise<Record<string, number>>;
}

/**
 * Virtual keys in Redis, under the hash of the key: one record each, and a set of the hashes for
 * listing. A key with a `duration` expires with its record.
 */
export function createKeyStore(redis: RedisClient, prefix: string): KeyStore {
  const recordKey = (token: string) => `${prefix}:tg:key:${token}`;
  const usageKey = (token: string) => `${prefix}:tg:key:${token}:usage`;
  const indexKey = `${prefix}:tg:keys`;
  const save = async (record: VirtualKey) => {
    const value = JSON.stringify(record);
    // Its usage counters live as long as it does, also when an update moves its expiry.
    if (record.expires === null)
      await Promise.all([redis.set(recordKey(record.token), value), redis.persist(usageKey(record.token))]);
    else
      await Promise.all([
        redis.set(recordKey(record.token), value, 'PXAT', Date.parse(record.expires)),
        redis.pexpireat(usageKey(record.token), Date.parse(record.expires)),
      ]);
    await redis.sadd(indexKey, record.token);
  };
  const read = async (token: string): Promise<VirtualKey | undefined> => {
    const value = await redis.get(recordKey(token));
    // Records written before a field existed get its default.
    const record = value === null ? undefined : ({ object_permission: null, ...JSON.parse(value) } as VirtualKey);
    return record && (record.expires === null || Date.parse(record.expires) > Date.now()) ? record : undefined;
  };
  return {
    async generate(body) {
      const key = `sk-${randomBytes(24).toString('base64url')}`;
      const record: VirtualKey = { token: hashKey(key), ...fieldsOf(body), created_at: new Date().toISOString() };
      await save(record);
      return { key, record };
    },
    lookup: (key) => read(hashKey(key)),
    async update(key, body) {
      const current = await read(hashKey(key));
      if (!current) throw new AppError('not_found', 'Key not found');
      const record: VirtualKey = { ...current, ...fieldsOf(body, current) };
      await save(record);
      return record;
    },
    async delete(keys) {
      let deleted = 0;
      for (const key of keys) {
        const token = hashKey(key);
        deleted += await redis.del(recordKey(token));
        await redis.del(usageKey(token));
        await redis.srem(indexKey, token);
      }
      return deleted;
    },
    async list() {
      const tokens = await redis.smembers(indexKey);
      const records = await Promise.all(tokens.map(read));
      return records.filter((record) => record !== undefined);
    },
    async addUsage(record, counts) {
      const transaction = redis.multi();
      for (const [field, count] of Object.entries(counts)) transaction.hincrby(usageKey(record.token), field, count);
      if (record.expires !== null) transaction.pexpireat(usageKey(record.token), Date.parse(record.expires));
      await transaction.exec();
    },
    async usage(record) {
      const counts = await redis.hgetall(usageKey(record.token));
      return Object.fromEntries(Object.entries(counts).map(([field, count]) => [field, Number(count)]));
    },
    async admit(record, count = 1, { holdsParallel = true } = {}) {
      const rpmLimit = record.rpm_limit;
      const maxParallel = holdsParallel ? record.max_parallel_requests : null;
      if (rpmLimit === null && maxParallel === null) return { admitted: true, release: NOTHING_TO_RELEASE };
      const now = Date.now();
      const minute = Math.floor(now / 60_000);
      const rpmKey = `${recordKey(record.token)}:rpm:${minute}`;
      // In flight: one member per request, scored by when its hold lapses, so what a dead gateway held
      // lapses too, each on its own.
      const parallelKey = `${recordKey(record.token)}:parallel`;
      const members = Array.from({ length: count }, () => randomUUID());
      const transaction = redis.multi();
      // The replies: the rpm count first (when counted), then the parallel count after its two writes.
      if (rpmLimit !== null) transaction.incrby(rpmKey, count).expire(rpmKey, 61, 'NX');
      const inFlightAt = (rpmLimit === null ? 0 : 2) + 2;
      if (maxParallel !== null)
        transaction
          .zremrangebyscore(parallelKey, '-inf', now)
          .zadd(parallelKey, ...members.flatMap((member) => [now + PARALLEL_HOLD_MS, member]))
          .zcard(parallelKey)
          .pexpire(parallelKey, PARALLEL_HOLD_MS);
      const replies = (await transaction.exec()) ?? [];
      const failed = replies.find(([error]) => error !== null);
      if (failed) throw failed[0];
      const release =
        maxParallel === null ? NOTHING_TO_RELEASE : () => void redis.zrem(parallelKey, ...members).catch(() => {});
      if (rpmLimit !== null && Number(replies[0]?.[1]) > rpmLimit) {
        release();
        return {
          admitted: false,
          over: 'rpm_limit',
          retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)),
        };
      }
      if (maxParallel !== null && Number(replies[inFlightAt]?.[1]) > maxParallel) {
        release();
        return { admitted: false, over: 'max_parallel_requests' };
      }
      return { admitted: true, release };
    },
  };
}
