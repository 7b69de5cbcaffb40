import type { Response } from 'express';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { isJsonObject } from '../../shared/json-object.js';
import { callerOf, principalOf } from '../keys/principal.js';
import type { KeyUsage, TokenCount } from '../keys/key-usage.js';
import type { GatewayMetrics } from '../metrics.js';

/** Counts a finished model request: in the metrics, and against the virtual key that made it. */
export type ChatRecorder = (res: Response, model: string, status: number, tokens?: TokenCount) => void;

export function createChatRecorder(metrics: GatewayMetrics, keyUsage: KeyUsage | undefined): ChatRecorder {
  return (res, model, status, tokens) => {
    metrics.recordChatRequest(model, status);
    const caller = callerOf(principalOf(res));
    if (caller) keyUsage?.recordChatRequest(caller, model, status, tokens);
  };
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** The tokens an answer says it used: chat's `prompt_tokens`/`completion_tokens`, or Responses' `input_tokens`/`output_tokens`. */
export function tokensOf(usage: unknown): TokenCount | undefined {
  if (!isJsonObject(usage)) return undefined;
  return {
    prompt: count(usage.prompt_tokens ?? usage.input_tokens),
    completion: count(usage.completion_tokens ?? usage.output_tokens),
  };
}

/** A completer that sums the tokens of every completion it asks for (the tool loop asks once a round). */
export function countingTokens(complete: (body: Record<string, unknown>) => Promise<ChatCompletion>) {
  let total: TokenCount | undefined;
  return {
    async complete(body: Record<string, unknown>): Promise<ChatCompletion> {
      const completion = await complete(body);
      const tokens = tokensOf(completion.usage);
      if (tokens)
        total = {
          prompt: (total?.prompt ?? 0) + tokens.prompt,
          completion: (total?.completion ?? 0) + tokens.completion,
        };
      return completion;
    },
    get tokens() {
      return total;
    },
  };
}
