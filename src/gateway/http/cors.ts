import type { RequestHandler } from 'express';

const ALLOW_HEADERS =
  'content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id, x-api-key, x-litellm-api-key, x-request-id';

/** CORS for origins the origin guard let through; answers preflights before auth (browsers send no key). */
export function cors(): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id, x-request-id');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
