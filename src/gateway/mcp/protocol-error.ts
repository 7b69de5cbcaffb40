import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/telemetry/logger.js';

/**
 * An error the SDK's Protocol sends as `{ code, message }`. Not an McpError, whose message gains an
 * "MCP error <code>:" prefix: the MCP paths send our own messages as they are.
 */
export function protocolError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The JSON-RPC error a failed MCP request (a tool call, or one forwarded upstream) answers with, on both MCP paths: an AppError's own message
 * (an unknown tool is invalid params); anything else is logged and sent as a bare internal error.
 */
export function toolCallError(
  error: unknown,
  logger: Logger,
  context: { tool: string; requestId: string },
): { code: number; message: string } {
  if (error instanceof AppError)
    return {
      code: error.code === 'unknown_tool' ? ErrorCode.InvalidParams : error.jsonRpcCode,
      message: error.message,
    };
  logger.error({ err: error, ...context }, 'MCP request failed');
  return { code: ErrorCode.InternalError, message: 'Internal error' };
}
