import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { VirtualKey } from '../keys/key-store.js';
import type { ToolView } from '../tools/tool-view.js';

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

/** A session whose state lives in this process only (legacy SSE: its stream pins it to one gateway). */
export function createLocalSessionState(id: string, view: ToolView, caller: VirtualKey | undefined): SessionState {
  let logLevel: LoggingLevel | undefined;
  return {
    id,
    view,
    caller,
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
