import type { JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import type { ThreadEvent } from '../../shared/execution/thread-protocol.js';
import type { Logger } from '../../shared/logger.js';
import { TOOL_LOG_LEVELS } from '../../shared/plugins/plugin-contract.js';
import type { SessionState } from './session-state.js';

function levelRank(level: string): number {
  return TOOL_LOG_LEVELS.indexOf(level as (typeof TOOL_LOG_LEVELS)[number]);
}

export interface CallEventRelayOptions {
  readonly tool: string;
  readonly requestId: string;
  /** Present when the client asked for progress (`params._meta.progressToken`). */
  readonly progressToken: string | number | undefined;
  readonly session: SessionState;
  readonly logger: Logger;
  readonly send: (notification: Omit<JSONRPCNotification, 'jsonrpc'>) => void;
}

/**
 * Turns a call's thread events into MCP notifications: progress (only when asked for, and only
 * increasing) and log messages (always to our log; to the client at or above its chosen level).
 */
export function createCallEventRelay({ tool, requestId, progressToken, session, logger, send }: CallEventRelayOptions): (event: ThreadEvent) => void {
  let lastProgress = -Infinity;
  return (event) => {
    if (event.type === 'progress') {
      if (progressToken === undefined || event.progress <= lastProgress) return;
      lastProgress = event.progress;
      send({ method: 'notifications/progress', params: { progressToken, progress: event.progress, total: event.total, message: event.message } });
      return;
    }
    logger.info({ tool, requestId, level: event.level, data: event.data }, 'tool log');
    if (session.logLevel !== undefined && levelRank(event.level) >= levelRank(session.logLevel)) {
      send({ method: 'notifications/message', params: { level: event.level, logger: tool, data: event.data } });
    }
  };
}
