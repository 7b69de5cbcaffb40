import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../shared/queue/redis-connection.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../shared/errors.js';
import { createExpiringMap } from '../../shared/expiring-map.js';
import type { Logger } from '../../shared/telemetry/logger.js';

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
/** How many sessions may be open at once: per virtual key (owner `key:…`), and in all. */
export interface SessionLimits {
  readonly perKey: number;
  readonly overall: number;
}

/** What a client is told when its key already holds `open` sessions. */
const tooManyForKey = (limits: SessionLimits, open: number) =>
  new AppError(
    'rate_limited',
    `This key already has ${open} open MCP sessions (max_sessions_per_key ${limits.perKey}): end one (DELETE /mcp) or let one expire`,
    { retryAfterSeconds: 60 },
  );

/** What a client is told when the deployment already holds `max_sessions`. */
const tooManyInAll = (limits: SessionLimits) =>
  new AppError('rate_limited', `The gateway holds max_sessions (${limits.overall}) open MCP sessions; retry later`, {
    retryAfterSeconds: 60,
  });

/** Only virtual keys' sessions are counted per owner: the master key's count in all alone. */
const countedPerOwner = (owner: string | undefined): owner is string => owner?.startsWith('key:') === true;

export interface SessionRecords {
  /**
   * Stores a new session (under `id`, or a fresh one) and returns its id. Throws `rate_limited` when its
   * owner, or the deployment, already holds as many sessions as the limits allow.
   */
  create(record: SessionRecord, id?: string): Promise<string>;
  /** The session's record, pushing its idle deadline back; undefined when there is no such session. */
  get(id: string): Promise<SessionRecord | undefined>;
  update(id: string, change: Partial<SessionRecord>): Promise<void>;
  /** Ends a session; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Another gateway ended the session: this one must not bring it back. */
  forget(id: string): void;
  close(): void;
}

export function createMemorySessionRecords(idleMs: number, limits: SessionLimits): SessionRecords {
  const records = createExpiringMap<SessionRecord>(idleMs);
  return {
    async create(record, id = randomUUID()) {
      const open = records.values();
      if (countedPerOwner(record.owner)) {
        const owned = open.filter((other) => other.owner === record.owner).length;
        if (owned >= limits.perKey) throw tooManyForKey(limits, owned);
      }
      if (open.length >= limits.overall) throw tooManyInAll(limits);
      records.set(id, record);
      return id;
    },
    get: async (id) => records.get(id, { touch: true }),
    async update(id, change) {
      const record = records.get(id);
      if (record) records.set(id, { ...record, ...change });
    },
    delete: async (id) => records.delete(id),
    // The map is the only copy: another gateway cannot have ended a session of this one.
    forget: () => {},
    close: () => records.close(),
  };
}

/**
 * Adds a session's record and its place in the owner's and the deployment's sets of open sessions (scored
 * by when each lapses), unless either is full: returns 0, or 1 (owner full) or 2 (all full) with the count.
 */
const CREATE_SCRIPT = `
local now, lapse, perKey, overall = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local all = redis.call('ZCARD', KEYS[3])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local owned = redis.call('ZCARD', KEYS[2])
  if owned >= perKey then return {1, owned} end
end
if all >= overall then return {2, all} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], now + lapse, ARGV[6])
  redis.call('PEXPIRE', KEYS[i], lapse)
end
return {0, 0}`;

/**
 * Records as JSON under `key(id)`, expiring `idleMs` after their last use: a read is a GETEX that pushes
 * the deadline back, so serving a request costs one round trip (auto-pipelined with the others). Open
 * sessions are counted in sorted sets (`openKey('all')`, and `openKey(owner)` per virtual key), each
 * session scored by when it lapses and pushed back as it is used.
 *
 * A Redis restarted without persistence has lost every record: each gateway keeps a copy of the records
 * it served lately (for as long as they would live in Redis) and writes them back when its connection
 * comes back after a loss. A session another gateway ended is `forget`-ten, never brought back.
 */
export function createRedisSessionRecords(
  redis: RedisClient,
  key: (id: string) => string,
  openKey: (owner: string) => string,
  idleMs: number,
  limits: SessionLimits,
  logger: Logger,
): SessionRecords {
  const allKey = openKey('all');
  const ownerKey = (owner: string | undefined) => (countedPerOwner(owner) ? openKey(owner) : allKey);
  // Kept a little less long than Redis keeps them: a session that lapsed there is never brought back.
  const held = createExpiringMap<SessionRecord>(Math.floor(idleMs * 0.9));
  /** Writes a held record back (unless Redis has one), with its places in the counts; limits do not apply. */
  const writeBack = (id: string, record: SessionRecord) => {
    const lapse = Date.now() + idleMs;
    const transaction = redis.multi().set(key(id), JSON.stringify(record), 'PX', idleMs, 'NX').zadd(allKey, lapse, id);
    if (countedPerOwner(record.owner)) transaction.zadd(openKey(record.owner), lapse, id);
    return transaction.exec();
  };
  let everReady = redis.status === 'ready';
  redis.on('ready', () => {
    if (!everReady) {
      everReady = true;
      return;
    }
    const records = held.entries();
    if (records.length === 0) return;
    Promise.all(records.map(([id, record]) => writeBack(id, record))).then(
      () => logger.info({ sessions: records.length }, 'redis is back: wrote back the sessions this gateway holds'),
      (error: unknown) => logger.warn({ err: error }, 'could not write sessions back to redis'),
    );
  });
  return {
    async create(record, id = randomUUID()) {
      const now = Date.now();
      const [refused, count] = (await redis.eval(
        CREATE_SCRIPT,
        3,
        key(id),
        ownerKey(record.owner),
        allKey,
        JSON.stringify(record),
        now,
        idleMs,
        limits.perKey,
        limits.overall,
        id,
      )) as [number, number];
      if (refused === 1) throw tooManyForKey(limits, count);
      if (refused === 2) throw tooManyInAll(limits);
      held.set(id, record);
      return id;
    },
    async get(id) {
      const value = await redis.getex(key(id), 'PX', idleMs);
      // Not written back from here: a session another gateway just ended would come back to life.
      if (value === null) return undefined;
      const record = JSON.parse(value) as SessionRecord;
      held.set(id, record);
      // Still open: its places in the counts lapse with its record.
      const lapse = Date.now() + idleMs;
      void Promise.all([
        redis.zadd(allKey, 'XX', lapse, id),
        countedPerOwner(record.owner) && redis.zadd(openKey(record.owner), 'XX', lapse, id),
      ]).catch(() => {});
      return record;
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
      const kept = held.get(id);
      if (kept) held.set(id, { ...kept, ...change });
    },
    async delete(id) {
      held.delete(id);
      const value = await redis.get(key(id));
      if (value === null) return false;
      const { owner } = JSON.parse(value) as SessionRecord;
      const [deleted] = (await redis.multi().del(key(id)).zrem(allKey, id).zrem(ownerKey(owner), id).exec()) ?? [];
      return Number(deleted?.[1]) > 0;
    },
    forget: (id) => void held.delete(id),
    close: () => held.close(),
  };
}
