import type { RequestHandler } from 'express';
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { AppError } from '../../shared/errors.js';
import { sendAppError } from './error-response.js';

const LOCALHOST_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a localhost origin on any port, or one listed in `allowed_origins`. */
export function isAllowedOrigin(origin: string, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.includes(origin) || allowedOrigins.includes('*')) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOCALHOST_NAMES.has(url.hostname);
  } catch {
    return false;
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface OriginGuardOptions {
  readonly allowedOrigins: readonly string[];
  /** The bind address; when it is loopback, the `Host` header must name localhost too. */
  readonly bindHost: string;
}

/**
 * DNS-rebinding protection: a present `Origin` must be a localhost origin or allowed; when bound to
 * loopback, `Host` must be localhost, 127.0.0.1 or [::1]. Runs before auth and body parsing.
 */
export function originGuard(options: OriginGuardOptions): RequestHandler {
  const hostCheck = isLoopbackHost(options.bindHost) ? localhostHostValidation() : undefined;
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowedOrigins)) {
      sendAppError(req, res, new AppError('forbidden', `Origin not allowed: ${origin}`));
      return;
    }
    if (hostCheck) hostCheck(req, res, next);
    else next();
  };
}
