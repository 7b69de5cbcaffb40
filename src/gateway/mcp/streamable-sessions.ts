import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { callerOf, MASTER, principalId, type Principal } from '../keys/principal.js';
import { viewFor } from '../tools/key-view.js';
import { createExpiringMap } from '../../shared/expiring-map.js';
import type { ToolView } from '../tools/tool-view.js';
import type { SessionBus } from './session-bus.js';
import type { SessionRecord, SessionRecords } from './session-records.js';
import type { SessionState } from './session-state.js';

/**
 * Streamable HTTP sessions as any gateway serves them: the record (shared, in queue mode) says what the
 * session is; what only this gateway can hold (its calls in flight, its GET streams) is kept here, and
 * the bus carries cancellations and deletions to the gateway that holds them.
 */
export interface StreamableSessions {
  /** `principal` limits the session's view for this request (to what the caller's key may use). */
  open(record: SessionRecord, principal?: Principal): Promise<SessionState>;
  /** The session, as of its record now; undefined when no gateway knows it (it ended or expired). */
  find(id: string, principal?: Principal): Promise<SessionState | undefined>;
  /** Cancels a call of the session, on whichever gateway runs it. */
  cancel(session: SessionState, requestId: string | number): Promise<void>;
  /** Deletes a session everywhere; false when there was none. */
  end(id: string): Promise<boolean>;
  /** Holds a GET stream's server, to notify the session through it; returns the release. */
  holdStream(id: string, server: Server): () => void;
  /** The servers of every GET stream this gateway holds, for notifications to all sessions. */
  streams(): Server[];
  close(): Promise<void>;
}

/** Calls in flight that drop their session's entry once none are left. */
class LocalCalls extends Map<string | number, AbortController> {
  constructor(private readonly onEmpty: () => void) {
    super();
  }

  override delete(key: string | number): boolean {
    const deleted = super.delete(key);
    if (this.size === 0) this.onEmpty();
    return deleted;
  }
}

interface LocalSession {
  readonly calls: LocalCalls;
  readonly streams: Set<Server>;
}

/**
 * A record read from the store is used for this long before it is read again (which also pushes the
 * session's idle deadline back): changes and deletions reach every gateway on the bus at once, so this
 * only bounds how long a lost bus message could leave a gateway behind.
 */
const RECORD_FRESH_MS = 1_000;

export function createStreamableSessions(options: {
  records: SessionRecords;
  bus: SessionBus;
  resolveView: (view: SessionRecord['view']) => ToolView;
}): StreamableSessions {
  const { records, bus } = options;
  const local = new Map<string, LocalSession>();
  const recent = createExpiringMap<SessionRecord>(RECORD_FRESH_MS);

  const localOf = (id: string): LocalSession => {
    let entry = local.get(id);
    if (!entry) {
      const created: LocalSession = { calls: new LocalCalls(() => dropIfIdle(id, created)), streams: new Set() };
      local.set(id, created);
      entry = created;
    }
    return entry;
  };
  const dropIfIdle = (id: string, entry: LocalSession) => {
    if (entry.calls.size === 0 && entry.streams.size === 0 && local.get(id) === entry) local.delete(id);
  };
  const endLocally = (id: string) => {
    const entry = local.get(id);
    if (!entry) return;
    local.delete(id);
    for (const call of entry.calls.values()) call.abort();
    for (const server of entry.streams) void server.close().catch(() => {});
  };

  bus.onMessage((message) => {
    if (message.type === 'cancel') local.get(message.sessionId)?.calls.get(message.requestId)?.abort();
    else if (message.type === 'changed') recent.delete(message.sessionId);
    else if (message.type === 'closed') {
      recent.delete(message.sessionId);
      records.forget(message.sessionId);
      endLocally(message.sessionId);
    }
  });

  const stateOf = (id: string, record: SessionRecord, principal: Principal = MASTER): SessionState => {
    let logLevel = record.logLevel;
    return {
      id,
      view: viewFor(principal, options.resolveView(record.view)),
      caller: callerOf(principal),
      protocolVersion: record.protocolVersion,
      get logLevel() {
        return logLevel;
      },
      async setLogLevel(level) {
        logLevel = level;
        await records.update(id, { logLevel: level });
        await bus.publish({ type: 'changed', sessionId: id });
      },
      get calls() {
        return localOf(id).calls;
      },
    };
  };

  return {
    async open(record, principal = MASTER) {
      // An unknown server in the path or header is a 404 (thrown here) before any session exists.
      options.resolveView(record.view);
      const owned = { ...record, owner: principalId(principal) };
      return stateOf(await records.create(owned), owned, principal);
    },
    async find(id, principal = MASTER) {
      let record = recent.get(id);
      if (!record) {
        record = await records.get(id);
        if (!record) return undefined;
        recent.set(id, record);
      }
      // Another principal's session is not found: its id alone must not let anyone use it.
      if (record.owner !== principalId(principal)) return undefined;
      return stateOf(id, record, principal);
    },
    async cancel(session, requestId) {
      const call = local.get(session.id)?.calls.get(requestId);
      if (call) call.abort();
      else await bus.publish({ type: 'cancel', sessionId: session.id, requestId });
    },
    async end(id) {
      const existed = await records.delete(id);
      recent.delete(id);
      endLocally(id);
      if (existed) await bus.publish({ type: 'closed', sessionId: id });
      return existed;
    },
    holdStream(id, server) {
      const entry = localOf(id);
      entry.streams.add(server);
      return () => {
        entry.streams.delete(server);
        dropIfIdle(id, entry);
      };
    },
    streams: () => [...local.values()].flatMap((entry) => [...entry.streams]),
    async close() {
      recent.close();
      for (const id of [...local.keys()]) endLocally(id);
      records.close();
      await bus.close();
    },
  };
}
