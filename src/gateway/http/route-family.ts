import express, { type RequestHandler, type Response } from 'express';

/**
 * Every path the gateway serves, by route family, declared once: the routes mount these, and the error
 * format of a request is chosen by matching them the way express matches routes.
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

/** The paths whose errors are JSON-RPC: the MCP protocol routes. */
const JSON_RPC_PATHS = [...ROUTE_PATHS.mcp, ...ROUTE_PATHS.legacyStream, ...ROUTE_PATHS.legacyMessages];
/** REST tool routes that `/mcp/:server` would otherwise match: they answer in OpenAI's error shape. */
const REST_PATHS = [...ROUTE_PATHS.restList, ...ROUTE_PATHS.restCall];

/**
 * Marks the requests of the MCP protocol routes, before anything can fail (origin, auth, body), so that
 * their errors are JSON-RPC; every other route answers in OpenAI's error shape.
 */
export function markRouteFamily(): RequestHandler {
  const marker = express.Router();
  marker.all(REST_PATHS, (_req, _res, next) => next('router'));
  marker.all(JSON_RPC_PATHS, (_req, res, next) => {
    res.locals.jsonRpcErrors = true;
    next();
  });
  return marker;
}

/** Whether a request's errors are JSON-RPC (see `markRouteFamily`). */
export function answersJsonRpc(res: Response): boolean {
  return res.locals.jsonRpcErrors === true;
}
