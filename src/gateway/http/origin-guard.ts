import type { RequestHandler } from 'express';
import { isIP } from 'node:net';
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
  /** Host names (`allowed_hosts`) a request's `Host` may name besides localhost; `*` allows any. */
  readonly allowedHosts: readonly string[];
  /** The bind address: beyond loopback, a `Host` that is an IP address is allowed too. */
  readonly bindHost: string;
}

/** The host name a `Host` header names, without port or IPv6 brackets; undefined when it names none. */
function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * DNS-rebinding protection, on whatever address the gateway binds: a present `Origin` must be a
 * localhost origin or allowed, and `Host` must name localhost, a name in `allowed_hosts`, or (bound
 * beyond loopback) an IP address. A rebound page's requests name the attacker's domain in `Host`. Runs
 * before auth and body parsing.
 */
export function originGuard(options: OriginGuardOptions): RequestHandler {
  const anyHost = options.allowedHosts.includes('*');
  const names = new Set(['localhost', '127.0.0.1', '::1', ...options.allowedHosts.map((name) => name.toLowerCase())]);
  const byAddress = !isLoopbackHost(options.bindHost);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowedOrigins)) {
      sendAppError(req, res, new AppError('forbidden', `Origin not allowed: ${origin}`));
      return;
    }
    const host = hostNameOf(req.get('host'));
    if (anyHost || (host !== undefined && (names.has(host) || (byAddress && isIP(host) !== 0)))) return next();
    sendAppError(
      req,
      res,
      new AppError(
        'forbidden',
        `Host not allowed: ${req.get('host') ?? '(none)'}; list the gateway's host names in toolgate_settings.allowed_hosts`,
      ),
    );
  };
}
