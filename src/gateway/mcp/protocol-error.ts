/**
 * An error the SDK's Protocol sends as `{ code, message }`. Not an McpError, whose message gains an
 * "MCP error <code>:" prefix: the MCP paths send our own messages as they are.
 */
export function protocolError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}
