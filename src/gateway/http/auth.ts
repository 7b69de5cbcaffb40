import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { sendAppError } from './error-response.js';
import type { KeyStore } from '../keys/key-store.js';
import { setPrincipal } from '../keys/principal.js';
import { sendLoginPage, type DashboardPass } from '../status/dashboard-login.js';

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

/** Compares a key with the master key in constant time. */
export function masterKeyMatcher(masterKey: string): (key: string) => boolean {
  const expected = digest(masterKey);
  return (key) => timingSafeEqual(digest(key), expected);
}

/** The dashboard's paths, where a browser's credentials (HTTP Basic, the sign-in pass) are taken. */
export interface BrowserAccess {
  readonly paths: readonly string[];
  /** The pages among them: refused, they answer with the sign-in form. */
  readonly pages: readonly string[];
  readonly pass: DashboardPass;
}

/**
 * Requires `master_key` or a live virtual key on every route it is mounted before; the master key is
 * compared in constant time, a virtual key looked up by its hash. A gateway that cannot reach Redis fails
 * closed for virtual keys (503), never open; the master key still works.
 */
export function requireKey(masterKey: string, keys: KeyStore | undefined, browser?: BrowserAccess): RequestHandler {
  const isMasterKey = masterKeyMatcher(masterKey);
  const browserPaths = new Set(browser?.paths);
  const pages = new Set(browser?.pages);
  return (req, res, next) => {
    // Basic and the pass only on the browser's paths: a browser resends them to its whole origin, and
    // the API's routes must not take a credential it attaches by itself.
    const fromBrowser = browser !== undefined && browserPaths.has(req.path);
    if (fromBrowser && browser.pass.carriedBy(req)) {
      setPrincipal(res, { kind: 'master' });
      next();
      return;
    }
    const basic = fromBrowser ? basicPassword(req) : undefined;
    const key = basic ?? presentedKey(req);
    if (key !== undefined && isMasterKey(key)) {
      // A page opened with credentials (a dialog, or `http://user:key@host/ui`) gets a pass, so that its
      // script's requests, which carry no credentials of their own, are let in too.
      if (basic !== undefined) browser?.pass.grant(req, res);
      setPrincipal(res, { kind: 'master' });
      next();
      return;
    }
    const refuse = () => {
      // A browser asks its user for credentials only when challenged for Basic; one that declines sees
      // the sign-in form instead.
      res.setHeader('WWW-Authenticate', fromBrowser ? 'Basic realm="toolgate", charset="UTF-8"' : 'Bearer');
      if (fromBrowser && pages.has(req.path) && req.method === 'GET') {
        sendLoginPage(res, 401, key === undefined ? undefined : 'That is not the master key.');
        return;
      }
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
