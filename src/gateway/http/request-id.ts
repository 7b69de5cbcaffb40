import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A well-formed `x-request-id` header value, or a new id. */
export function requestIdFromHeader(given: unknown): string {
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Takes a well-formed `x-request-id` from the client or makes one, and echoes it on the response. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFromHeader(req.get('x-request-id'));
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}

export function requestIdOf(res: { locals: Record<string, unknown> }): string {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : randomUUID();
}
