import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { sendAppError } from './error-response.js';
import type { KeyStore } from '../keys/key-store.js';
import { setPrincipal } from '../keys/principal.js';

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

/**
 * Requires `master_key` or a live virtual key on every route it is mounted before; the master key is
 * compared in constant time, a virtual key looked up by its hash. A gateway that cannot reach Redis fails
 * closed for virtual keys (503), never open; the master key still works.
 */
export function requireKey(masterKey: string, keys: KeyStore | undefined): RequestHandler {
  const expected = digest(masterKey);
  return (req, res, next) => {
    const key = presentedKey(req);
    if (key !== undefined && timingSafeEqual(digest(key), expected)) {
      setPrincipal(res, { kind: 'master' });
      next();
      return;
    }
    const refuse = () => {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendAppError(req, res, new AppError('unauthorized', key === undefined ? 'Missing API key: send Authorization: Bearer <key>' : 'Invalid API key'));
    };
    if (key === undefined || keys === undefined || !key.startsWith('sk-')) return refuse();
    keys.lookup(key).then(
      (found) => {
        if (!found) return refuse();
        setPrincipal(res, { kind: 'virtual', key: found });
        next();
      },
      () => sendAppError(req, res, new AppError('unavailable', 'Virtual keys cannot be checked right now (Redis is unreachable)', { retryAfterSeconds: 1 })),
    );
  };
}
