import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { sendAppError } from './error-response.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The key a client sent: `Authorization: Bearer`, `x-litellm-api-key` (LiteLLM's) or `x-api-key`. */
export function presentedKey(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  return req.get('x-litellm-api-key') ?? req.get('x-api-key');
}

/** Requires `master_key` on every route it is mounted before; compares in constant time. */
export function requireMasterKey(masterKey: string): RequestHandler {
  const expected = digest(masterKey);
  return (req, res, next) => {
    const key = presentedKey(req);
    if (key !== undefined && timingSafeEqual(digest(key), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer');
    sendAppError(req, res, new AppError('unauthorized', key === undefined ? 'Missing API key: send Authorization: Bearer <key>' : 'Invalid API key'));
  };
}
