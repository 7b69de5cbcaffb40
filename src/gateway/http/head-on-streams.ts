import express, { type RequestHandler } from 'express';
import { ROUTE_PATHS } from './route-family.js';

/**
 * express answers HEAD with the GET handler, which on a streaming route opens a stream that never ends:
 * HEAD there gets the headers a GET would start with, and the response ends at once.
 */
export function headOnStreams(): RequestHandler {
  const streams = express.Router();
  streams.head([...ROUTE_PATHS.legacyStream, ...ROUTE_PATHS.mcp], (_req, res) => {
    res.status(200).setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.end();
  });
  // Only HEAD requests pay for the path matching.
  return (req, res, next) => (req.method === 'HEAD' ? streams(req, res, next) : next());
}
