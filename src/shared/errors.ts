import { isRedisUnreachable } from './queue/redis-unreachable.js';

/**
 * One registry of the errors toolgate reports, each with its wire forms: the JSON-RPC code for MCP routes,
 * the HTTP status, and the OpenAI error `type` for REST and chat routes.
 */
export const errorRegistry = {
  parse_error: { jsonRpc: -32700, status: 400, openAiType: 'invalid_request_error' },
  invalid_request: { jsonRpc: -32600, status: 400, openAiType: 'invalid_request_error' },
  invalid_params: { jsonRpc: -32602, status: 400, openAiType: 'invalid_request_error' },
  unknown_tool: { jsonRpc: -32602, status: 404, openAiType: 'invalid_request_error' },
  unauthorized: { jsonRpc: -32001, status: 401, openAiType: 'authentication_error' },
  forbidden: { jsonRpc: -32000, status: 403, openAiType: 'permission_error' },
  not_found: { jsonRpc: -32001, status: 404, openAiType: 'invalid_request_error' },
  payload_too_large: { jsonRpc: -32600, status: 413, openAiType: 'invalid_request_error' },
  unavailable: { jsonRpc: -32000, status: 503, openAiType: 'service_unavailable' },
  rate_limited: { jsonRpc: -32000, status: 429, openAiType: 'rate_limit_error' },
  not_implemented: { jsonRpc: -32601, status: 501, openAiType: 'invalid_request_error' },
  upstream_error: { jsonRpc: -32603, status: 502, openAiType: 'api_error' },
  // As LiteLLM answers a deployment without its key: the upstream would refuse the request the same way.
  deployment_misconfigured: { jsonRpc: -32603, status: 401, openAiType: 'authentication_error' },
  internal: { jsonRpc: -32603, status: 500, openAiType: 'api_error' },
} as const satisfies Record<string, { jsonRpc: number; status: number; openAiType: string }>;

export type ErrorCode = keyof typeof errorRegistry;

/** An error meant for the peer: its message is safe to send. Anything else thrown is reported as `internal`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying, sent as `Retry-After` on HTTP routes. */
  readonly retryAfterSeconds: number | undefined;
  /** Overrides the registry's HTTP status, e.g. to keep an upstream's status. */
  readonly statusOverride: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.statusOverride = options.status;
  }

  get status(): number {
    return this.statusOverride ?? errorRegistry[this.code].status;
  }

  get jsonRpcCode(): number {
    return errorRegistry[this.code].jsonRpc;
  }
}

/**
 * The message a peer may see for any thrown value: the AppError's own; for Redis being away (sessions,
 * keys, stored responses), a 503 to retry; else a generic one.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isRedisUnreachable(error))
    return new AppError('unavailable', 'Redis is unavailable right now; retry shortly', {
      retryAfterSeconds: 1,
      cause: error,
    });
  return new AppError('internal', 'Internal error', { cause: error });
}

/** The message of any thrown value, for logs and tool results (never a stack). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
