import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { createExpiringMap } from '../../shared/expiring-map.js';

/** What a streamable HTTP session is, wherever it is answered: enough for any gateway to serve it. */
export interface SessionRecord {
  /** The path server and `x-mcp-servers` it opened with: its view of the tools. */
  readonly view: { readonly pathServer?: string; readonly serversHeader?: string };
  /** The client's `logging/setLevel`; until it sets one, tool logs go only to our own log. */
  readonly logLevel?: LoggingLevel;
  readonly protocolVersion?: string;
  readonly clientInfo?: { readonly name: string; readonly version: string };
  readonly clientCapabilities?: Record<string, unknown>;
  /** The principal that opened it (`principalId`): no other may use it. */
  readonly owner?: string;
}

/**
 * The sessions' records: in memory in embedded mode, in Redis in queue mode (any gateway answers any
 * session). A session unused for `idleMs` is gone.
 */
export interface SessionRecords {
  /** Stores a new session (under `id`, or a fresh one) and returns its id. */
  create(record: SessionRecord, id?: string): Promise<string>;
  /** The session's record, pushing its idle deadline back; undefined when there is no such session. */
  get(id: string): Promise<SessionRecord | undefined>;
  update(id: string, change: Partial<SessionRecord>): Promise<void>;
  /** Ends a session; false when there was none. */
  delete(id: string): Promise<boolean>;
  close(): void;
}

export function createMemorySessionRecords(idleMs: number): SessionRecords {
  const records = createExpiringMap<SessionRecord>(idleMs);
  return {
    async create(record, id = randomUUID()) {
      records.set(id, record);
      return id;
    },
    get: async (id) => records.get(id, { touch: true }),
    async update(id, change) {
      const record = records.get(id);
      if (record) records.set(id, { ...record, ...change });
    },
    delete: async (id) => records.delete(id),
    close: () => records.close(),
  };
}

/**
 * Records as JSON under `key(id)`, expiring `idleMs` after their last use: a read is a GETEX that pushes
 * the deadline back, so serving a request costs one round trip (auto-pipelined with the others).
 */
export function createRedisSessionRecords(
  redis: RedisClient,
  key: (id: string) => string,
  idleMs: number,
): SessionRecords {
  return {
    async create(record, id = randomUUID()) {
      await redis.set(key(id), JSON.stringify(record), 'PX', idleMs);
      return id;
    },
    async get(id) {
      const value = await redis.getex(key(id), 'PX', idleMs);
      return value === null ? undefined : (JSON.parse(value) as SessionRecord);
    },
    async update(id, change) {
      // Read and write in one script, so two gateways changing different fields at once lose neither.
      await redis.eval(
        "local v = redis.call('GET', KEYS[1]) if not v then return 0 end local r = cjson.decode(v) for k, x in pairs(cjson.decode(ARGV[1])) do r[k] = x end redis.call('SET', KEYS[1], cjson.encode(r), 'PX', ARGV[2]) return 1",
        1,
        key(id),
        JSON.stringify(change),
        idleMs,
      );
    },
    delete: async (id) => (await redis.del(key(id))) > 0,
    close: () => {},
  };
}
