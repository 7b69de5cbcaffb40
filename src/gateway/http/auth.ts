import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { sendAppError } from './error-response.js';
import type { KeyStore } from '../keys/key-store.js';
import { setPrincipal } from '../keys/principal.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The key a client sent: `Authorization: Bearer`, `x-litellm-api-key` (LiteLLM's) or `x-api-key`; or,
 * from a browser, HTTP Basic with the key as the password (any user name).
 */
export function presentedKey(req: Request): string | undefined {
  const authorization = req.get('authorization')?.trim();
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
    if (bearer?.[1]) return bearer[1].trim();
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization);
    const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
    if (decoded.includes(':')) return decoded.slice(decoded.indexOf(':') + 1);
  }
  return req.get('x-litellm-api-key') ?? req.get('x-api-key');
}

/**
 * Requires `master_key` or a live virtual key on every route it is mounted before; the master key is
 * compared in constant time, a virtual key looked up by its hash. A gateway that cannot reach Redis fails
 * closed for virtual keys (503), never open; the master key still works.
 */
export function requireKey(masterKey: string, keys: KeyStore | undefined, browserPaths: readonly string[] = []): RequestHandler {
  const expected = digest(masterKey);
  const asksBrowser = new Set(browserPaths);
  return (req, res, next) => {
    const key = presentedKey(req);
    if (key !== undefined && timingSafeEqual(digest(key), expected)) {
      setPrincipal(res, { kind: 'master' });
      next();
      return;
    }
    const refuse = () => {
      // A browser asks its user for credentials only when challenged for Basic.
      res.setHeader('WWW-Authenticate', asksBrowser.has(req.path) ? 'Basic realm="toolgate", charset="UTF-8"' : 'Bearer');
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
