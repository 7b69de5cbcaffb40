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

/** The password of an HTTP Basic `Authorization` (any user name): how a browser sends the key. */
function basicPassword(req: Request): string | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get('authorization')?.trim() ?? '');
  const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  return decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
}

/**
 * Requires `master_key` or a live virtual key on every route it is mounted before; the master key is
 * compared in constant time, a virtual key looked up by its hash. A gateway that cannot reach Redis fails
 * closed for virtual keys (503), never open; the master key still works.
 */
export function requireKey(
  masterKey: string,
  keys: KeyStore | undefined,
  browserPaths: readonly string[] = [],
): RequestHandler {
  const expected = digest(masterKey);
  const asksBrowser = new Set(browserPaths);
  return (req, res, next) => {
    // Basic only on the browser's paths: a browser resends it to its whole origin, and the API's
    // routes must not take a credential it attaches by itself.
    const key = asksBrowser.has(req.path) ? (basicPassword(req) ?? presentedKey(req)) : presentedKey(req);
    if (key !== undefined && timingSafeEqual(digest(key), expected)) {
      setPrincipal(res, { kind: 'master' });
      next();
      return;
    }
    const refuse = () => {
      // A browser asks its user for credentials only when challenged for Basic.
      res.setHeader(
        'WWW-Authenticate',
        asksBrowser.has(req.path) ? 'Basic realm="toolgate", charset="UTF-8"' : 'Bearer',
      );
      sendAppError(
        req,
        res,
        new AppError(
          'unauthorized',
          key === undefined ? 'Missing API key: send Authorization: Bearer <key>' : 'Invalid API key',
        ),
      );
    };
    if (key === undefined || keys === undefined || !key.startsWith('sk-')) return refuse();
    keys.lookup(key).then(
      (found) => {
        if (!found) return refuse();
        setPrincipal(res, { kind: 'virtual', key: found });
        next();
      },
      () =>
        sendAppError(
          req,
          res,
          new AppError('unavailable', 'Virtual keys cannot be checked right now (Redis is unreachable)', {
            retryAfterSeconds: 1,
          }),
        ),
    );
  };
}
