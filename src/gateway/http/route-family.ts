import type { Request } from 'express';
import { match } from 'path-to-regexp';

/**
 * Every path the gateway serves, by route family, declared once: the routes mount these, and the error
 * format of a failed request is chosen by matching them the way express matches routes.
 */
export const ROUTE_PATHS = {
  /** Streamable HTTP (and a legacy client's GET); `/mcp/{server}` and `/{server}/mcp` serve one upstream server. */
  mcp: ['/mcp', '/mcp/:server', '/:server/mcp'],
  /** 2024-11-05 HTTP+SSE: the stream, and where its client posts messages. */
  legacyStream: ['/sse', '/mcp/sse'],
  legacyMessages: ['/messages', '/mcp/messages', '/mcp/sse/messages'],
  /** LiteLLM's REST tool routes. */
  restList: ['/mcp/list_tools', '/mcp/tools/list', '/mcp-rest/tools/list'],
  restCall: ['/mcp/call_tool', '/mcp/tools/call', '/mcp-rest/tools/call'],
  models: ['/v1/models', '/models'],
  chat: ['/v1/chat/completions', '/chat/completions'],
  responses: ['/v1/responses', '/responses'],
  embeddings: ['/v1/embeddings', '/embeddings'],
};

// Matched as express matches routes (case-insensitive, trailing slash optional), compiled once; only a
// request that fails is matched, so the routes that succeed pay nothing for it.
const onJsonRpcRoute = match([...ROUTE_PATHS.mcp, ...ROUTE_PATHS.legacyStream, ...ROUTE_PATHS.legacyMessages], {
  decode: false,
});
/** REST tool routes that `/mcp/:server` would otherwise match: they answer in OpenAI's error shape. */
const onRestRoute = match([...ROUTE_PATHS.restList, ...ROUTE_PATHS.restCall], { decode: false });

/**
 * Whether a request's errors are JSON-RPC: it is on an MCP protocol route, whether or not it reached the
 * route (origin, auth and body errors come first). Every other route answers in OpenAI's error shape.
 */
export function answersJsonRpc(req: Request): boolean {
  return onJsonRpcRoute(req.path) !== false && onRestRoute(req.path) === false;
}
