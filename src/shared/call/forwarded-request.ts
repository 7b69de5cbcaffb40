import {
  CompleteResultSchema,
  GetPromptResultSchema,
  ReadResourceResultSchema,
  type CompleteResult,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * The MCP requests the gateway passes to the upstream server that owns what they name, as they are (the
 * lists they refer to are served from the servers' listings instead).
 */
export const FORWARDED_RESULT_SCHEMAS = {
  'resources/read': ReadResourceResultSchema,
  'prompts/get': GetPromptResultSchema,
  'completion/complete': CompleteResultSchema,
} as const;

export type ForwardedMethod = keyof typeof FORWARDED_RESULT_SCHEMAS;
export type ForwardedResult = ReadResourceResult | GetPromptResult | CompleteResult;

/** One forwarded request, as a runner takes it: in embedded mode and on a worker alike. */
export interface UpstreamRequest {
  readonly server: string;
  readonly method: ForwardedMethod;
  /** The request's params, with names already turned into the server's own. */
  readonly params: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds (gateway clock). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Client headers passed on with the request. */
  readonly headers?: Record<string, string>;
}

/** Whether a method (as a job from Redis names it) is one the gateway forwards. */
export function isForwardedMethod(method: string): method is ForwardedMethod {
  return Object.hasOwn(FORWARDED_RESULT_SCHEMAS, method);
}
