const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Whether an error only says that Redis is unreachable: a socket error, a command refused on a closed
 * connection, or one given up after its retries while Redis was away (ioredis's MaxRetriesPerRequestError).
 */
export function isRedisUnreachable(error: unknown): boolean {
  const { code, message, name } = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  return (
    typeof message === 'string' &&
    /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|read ECONNRESET/.test(message)
  );
}
