import type { Request } from 'express';

const REST_TOOL_PATHS = new Set(['/mcp/list_tools', '/mcp/call_tool', '/mcp/tools/list', '/mcp/tools/call']);

/**
 * Which wire format a path's errors use: JSON-RPC for the MCP protocol routes, OpenAI's error shape for
 * the REST tool routes, chat and everything else.
 */
export function isMcpProtocolPath(path: string): boolean {
  if (REST_TOOL_PATHS.has(path) || path.startsWith('/mcp-rest')) return false;
  // `/{server}/mcp` serves one upstream server's tools.
  return (
    path === '/mcp' ||
    path.startsWith('/mcp/') ||
    /^\/[^/]+\/mcp\/?$/.test(path) ||
    path.startsWith('/sse') ||
    path.startsWith('/messages')
  );
}

export function isMcpProtocolRequest(req: Request): boolean {
  return isMcpProtocolPath(req.path);
}
