import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { SessionState } from './session-state.js';

export type McpSession = { readonly id: string; readonly server: Server; readonly state: SessionState } & (
  | { readonly kind: 'streamable'; readonly transport: StreamableHTTPServerTransport }
  | { readonly kind: 'sse'; readonly transport: SSEServerTransport }
);

export interface SessionStore {
  get(id: string): McpSession | undefined;
  add(session: McpSession): void;
  /** Marks activity, so the session is not closed as idle. */
  touch(id: string): void;
  /** Removes and closes a session (idempotent). */
  close(id: string): Promise<void>;
  closeAll(): Promise<void>;
  /** Every open session. */
  all(): McpSession[];
  readonly size: number;
}

/** In-memory MCP sessions of both kinds, closed after `idleMs` without requests. */
export function createSessionStore(options: { idleMs: number }): SessionStore {
  const sessions = new Map<string, { session: McpSession; lastActive: number }>();

  const close = async (id: string) => {
    const entry = sessions.get(id);
    if (!entry) return;
    sessions.delete(id);
    // As the SDK does for its own in-flight requests, a closed session cancels the calls it still has.
    for (const call of entry.session.state.fastCalls.values()) call.abort();
    await entry.session.server.close().catch(() => {});
  };

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - options.idleMs;
      for (const [id, entry] of sessions) if (entry.lastActive < cutoff) void close(id);
    },
    Math.min(options.idleMs, 60_000),
  );
  sweep.unref();

  return {
    get: (id) => sessions.get(id)?.session,
    add: (session) => void sessions.set(session.id, { session, lastActive: Date.now() }),
    touch: (id) => {
      const entry = sessions.get(id);
      if (entry) entry.lastActive = Date.now();
    },
    close,
    async closeAll() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(close));
    },
    all: () => [...sessions.values()].map((entry) => entry.session),
    get size() {
      return sessions.size;
    },
  };
}
