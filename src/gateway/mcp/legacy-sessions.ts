import type { IncomingHttpHeaders } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { SessionBus } from './session-bus.js';
import type { SessionRecords } from './session-records.js';
import { principalId, type Principal } from '../keys/principal.js';
import type { LegacySessionState } from './session-state.js';

/** A 2024-11-05 HTTP+SSE session: its stream, and so its server, live on one gateway. */
export interface LegacySession {
  readonly server: Server;
  readonly transport: SSEServerTransport;
  readonly state: LegacySessionState;
}

/**
 * The legacy sessions whose streams this gateway holds, and the way to the others': a record says some
 * gateway holds the session, and a message posted here for it crosses the bus to that gateway.
 */
export interface LegacySessions {
  add(session: LegacySession): Promise<void>;
  remove(id: string): Promise<void>;
  /** The session when its stream is here. */
  local(id: string): LegacySession | undefined;
  /**
   * Passes a message that `principal` posted here to the gateway holding the stream; false when no
   * gateway holds a session of that principal's under this id.
   */
  forward(id: string, principal: Principal, message: JSONRPCMessage, headers: IncomingHttpHeaders): Promise<boolean>;
  /** Sessions held here, for notifications to all of them. */
  all(): LegacySession[];
  close(): Promise<void>;
}

export function createLegacySessions(options: {
  records: SessionRecords;
  bus: SessionBus;
  logger: Logger;
  /** The client headers a forwarded message keeps (credentials never cross the bus). */
  headersForCall: (headers: IncomingHttpHeaders) => Record<string, string | string[] | undefined>;
}): LegacySessions {
  const { records, bus, logger } = options;
  const held = new Map<string, LegacySession>();

  bus.onMessage((message) => {
    if (message.type !== 'legacy-message') return;
    const session = held.get(message.sessionId);
    if (session?.state.owner !== principalId(message.principal)) return;
    void records.get(message.sessionId).catch(() => undefined);
    session.state.actAs(message.principal);
    session.transport
      .handleMessage(message.message, { requestInfo: { headers: message.headers } })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not handle a forwarded legacy message'));
  });

  const close = async (id: string) => {
    const session = held.get(id);
    if (!session) return;
    held.delete(id);
    for (const call of session.state.calls.values()) call.abort();
    await Promise.all([session.server.close().catch(() => {}), records.delete(id).catch(() => false)]);
  };

  return {
    async add(session) {
      // Refused (too many sessions) before it is held.
      await records.create({ view: {}, owner: session.state.owner }, session.state.id);
      held.set(session.state.id, session);
    },
    remove: close,
    local: (id) => {
      const session = held.get(id);
      // Keeps the record alive for the other gateways while the client uses the session.
      if (session) void records.get(id).catch(() => undefined);
      return session;
    },
    async forward(id, principal, message, headers) {
      if ((await records.get(id))?.owner !== principalId(principal)) return false;
      await bus.publish({
        type: 'legacy-message',
        sessionId: id,
        message,
        principal,
        headers: options.headersForCall(headers),
      });
      return true;
    },
    all: () => [...held.values()],
    async close() {
      await Promise.all([...held.keys()].map(close));
    },
  };
}
