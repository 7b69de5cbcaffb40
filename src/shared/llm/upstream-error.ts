import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AppError, errorRegistry } from '../errors.js';
import { DeploymentUnusableError } from './deployment-client.js';

/** An OpenAI-style error response: the status and `{ error: { message, type, param, code } }`. */
export interface OpenAiErrorResponse {
  readonly status: number;
  readonly body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

/** Connection failures, timeouts, 5xx and 429 move on to the group's next deployment. */
export function isRetryableUpstreamError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  if (error instanceof APIError) return error.status === 429 || (error.status !== undefined && error.status >= 500);
  // A deployment that cannot be built (a provider toolgate cannot serve, a key variable unset) is
  // skipped like an unreachable one: the group's next deployment may be fine. A request the client must
  // fix (a parameter a provider lacks) is not.
  return error instanceof DeploymentUnusableError;
}

/** Keeps an upstream's status and error body; names connection failures and timeouts plainly. */
export function toOpenAiErrorResponse(error: unknown, model: string): OpenAiErrorResponse {
  if (error instanceof APIConnectionTimeoutError) {
    return {
      status: 504,
      body: {
        error: {
          message: `Upstream for model ${model} timed out`,
          type: 'timeout',
          param: null,
          code: 'upstream_timeout',
        },
      },
    };
  }
  if (error instanceof APIConnectionError) {
    // The cause (an internal host and port) goes to our log, not to the client.
    return {
      status: 502,
      body: {
        error: {
          message: `Upstream for model ${model} is unreachable`,
          type: 'api_error',
          param: null,
          code: 'upstream_unreachable',
        },
      },
    };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const upstream = (error.error ?? {}) as { message?: unknown; type?: unknown; param?: unknown; code?: unknown };
    return {
      status: error.status,
      body: {
        error: {
          message: typeof upstream.message === 'string' ? upstream.message : error.message,
          type: typeof upstream.type === 'string' ? upstream.type : 'api_error',
          param: typeof upstream.param === 'string' ? upstream.param : null,
          code:
            typeof upstream.code === 'string'
              ? upstream.code
              : upstream.code === undefined || upstream.code === null
                ? null
                : String(upstream.code),
        },
      },
    };
  }
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: {
        error: { message: error.message, type: errorRegistry[error.code].openAiType, param: null, code: error.code },
      },
    };
  }
  return {
    status: 500,
    body: {
      error: { message: `Model ${model} could not be called`, type: 'api_error', param: null, code: 'internal' },
    },
  };
}

/** An upstream saying the prompt is over the model's context window (what `context_window_fallbacks` is for). */
export function isContextWindowError(error: unknown): boolean {
  if (!(error instanceof APIError)) return false;
  const body = (error.error ?? {}) as { code?: unknown; message?: unknown };
  const text = `${typeof body.code === 'string' ? body.code : ''} ${typeof body.message === 'string' ? body.message : error.message}`;
  return /context_length_exceeded|context window|maximum context length|prompt is too long/i.test(text);
}
