import type { JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_LOG_LEVELS, type CallEvent } from '../../shared/call/call-event.js';
import type { SessionState } from './session-state.js';

function levelRank(level: string): number {
  return TOOL_LOG_LEVELS.indexOf(level as (typeof TOOL_LOG_LEVELS)[number]);
}

export interface CallEventRelayOptions {
  readonly tool: string;
  /** Present when the client asked for progress (`params._meta.progressToken`). */
  readonly progressToken: string | number | undefined;
  readonly session: SessionState;
  readonly send: (notification: Omit<JSONRPCNotification, 'jsonrpc'>) => void;
}

/**
 * Turns a call's thread events into MCP notifications: progress (only when asked for, and only
 * increasing) and log messages (at or above the level the client chose; the invoker has already written
 * them to our own log).
 */
export function createCallEventRelay({
  progressToken,
  session,
  send,
  tool,
}: CallEventRelayOptions): (event: CallEvent) => void {
  let lastProgress = -Infinity;
  return (event) => {
    if (event.type === 'progress') {
      if (progressToken === undefined || event.progress <= lastProgress) return;
      lastProgress = event.progress;
      send({
        method: 'notifications/progress',
        params: { progressToken, progress: event.progress, total: event.total, message: event.message },
      });
      return;
    }
    if (session.logLevel !== undefined && levelRank(event.level) >= levelRank(session.logLevel)) {
      send({ method: 'notifications/message', params: { level: event.level, logger: tool, data: event.data } });
    }
  };
}
