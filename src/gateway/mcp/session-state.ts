import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { VirtualKey } from '../keys/key-store.js';
import type { ToolView } from '../tools/tool-view.js';
import { callerOf, principalId, type Principal } from '../keys/principal.js';
import { viewFor } from '../tools/key-view.js';

/** What a request on a session needs of it, on every transport. */
export interface SessionState {
  readonly id: string;
  /** The tools this session sees, chosen when it opened (its path and `x-mcp-servers`). */
  readonly view: ToolView;
  /** The virtual key it is used with on this request, whose usage its calls count to. */
  readonly caller: VirtualKey | undefined;
  /** The client's `logging/setLevel`; until it sets one, tool logs only go to our own log. */
  readonly logLevel: LoggingLevel | undefined;
  /** The protocol version the session initialized with (streamable HTTP). */
  readonly protocolVersion: string | undefined;
  setLogLevel(level: LoggingLevel): Promise<void>;
  /** Its calls in flight on this gateway, by JSON-RPC id, so `notifications/cancelled` can reach them. */
  readonly calls: Map<string | number, AbortController>;
}

/** A legacy SSE session's state: it lives in this process only (its stream pins it to one gateway). */
export interface LegacySessionState extends SessionState {
  /** The principal that opened it (`principalId`): only it may post to the session. */
  readonly owner: string;
  /**
   * Serves what follows with `principal`'s permissions as they are now (the owner's key, read again on
   * each request), so a narrowed key takes effect on its open sessions at once.
   */
  actAs(principal: Principal): void;
}

/** A legacy session opened by `principal`, seeing what it may of `baseView` (its path and `x-mcp-servers`). */
export function createLegacySessionState(id: string, baseView: ToolView, principal: Principal): LegacySessionState {
  let logLevel: LoggingLevel | undefined;
  let view = viewFor(principal, baseView);
  let caller = callerOf(principal);
  return {
    id,
    owner: principalId(principal),
    get view() {
      return view;
    },
    get caller() {
      return caller;
    },
    actAs(current) {
      view = viewFor(current, baseView);
      caller = callerOf(current);
    },
    protocolVersion: undefined,
    get logLevel() {
      return logLevel;
    },
    async setLogLevel(level) {
      logLevel = level;
    },
    calls: new Map(),
  };
}

/**
 * A 2026-07-28 request's state: no session, so it lives for the one request, with the view its principal
 * has (`viewFor`). Its log level is the one the request's `_meta` names (none: tool logs only go to our
 * own log).
 */
export function createRequestState(
  id: string,
  view: ToolView,
  caller: VirtualKey | undefined,
  logLevel: LoggingLevel | undefined,
  protocolVersion: string,
): SessionState {
  let level = logLevel;
  return {
    id,
    view,
    caller,
    protocolVersion,
    get logLevel() {
      return level;
    },
    // 2026-07-28 has no logging/setLevel; a request's level is its own.
    setLogLevel: async (next) => void (level = next),
    calls: new Map(),
  };
}
