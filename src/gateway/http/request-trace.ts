import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { continuedFrom, startSpan, tracingEnabled, withSpan } from '../../shared/telemetry/tracing.js';
import { requestIdOf } from './request-id.js';

/** The route a request matched, for a span name that does not grow with ids in paths (nor with scanners' paths). */
function routeOf(req: Request): string {
  const path: unknown = req.route?.path;
  if (typeof path === 'string') return path;
  if (Array.isArray(path) && typeof path[0] === 'string') return path[0];
  return '(no route)';
}

/**
 * A span per request, continuing the client's W3C `traceparent` when it sends one; everything the
 * request does (its MCP method, queue wait, the worker's part) is under it. With tracing off, nothing.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracingEnabled()) return next();
    const span = startSpan(() => ({
      name: req.method,
      kind: SpanKind.SERVER,
      parent: continuedFrom(req.headers),
      attributes: { 'http.request.method': req.method, 'url.path': req.path, 'toolgate.request_id': requestIdOf(res) },
    }));
    res.once('close', () => {
      span?.updateName(`${req.method} ${routeOf(req)}`);
      span?.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      span?.end();
    });
    withSpan(span, next);
  };
}
