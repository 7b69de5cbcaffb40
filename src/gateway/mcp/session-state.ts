import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { EVERY_TOOL, type ToolView } from '../tools/tool-view.js';

/** What a session remembers besides its transport, shared by the SDK path and the fast path. */
export interface SessionState {
  /** The client's `logging/setLevel`; until it sets one, tool logs only go to our own log. */
  logLevel: LoggingLevel | undefined;
  /** Fast-path calls in flight, by JSON-RPC id, so `notifications/cancelled` can reach them. */
  readonly fastCalls: Map<string | number, AbortController>;
  /** The tools this session sees, chosen when it opened (its path and `x-mcp-servers`). */
  readonly view: ToolView;
}

export function createSessionState(view: ToolView = EVERY_TOOL): SessionState {
  return { logLevel: undefined, fastCalls: new Map(), view };
}
