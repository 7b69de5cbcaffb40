import type { RequestHandler } from 'express';

/** The GET routes that answer with an event stream that stays open. */
const STREAM_PATHS = new Set(['/sse', '/mcp/sse', '/mcp']);

/**
 * express answers HEAD with the GET handler, which on a streaming route opens a stream that never ends:
 * HEAD there gets the headers a GET would start with, and the response ends at once.
 */
export function headOnStreams(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'HEAD' || !STREAM_PATHS.has(req.path)) return next();
    res.status(200).setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.end();
  };
}
