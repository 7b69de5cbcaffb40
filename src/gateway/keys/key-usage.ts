import type { Logger } from '../../shared/telemetry/logger.js';
import { messageOf } from '../../shared/errors.js';
import type { GatewayMetrics } from '../metrics.js';
import type { CallOutcomeLabel } from '../../shared/call/outcome-label.js';
import type { KeyStore, VirtualKey } from './key-store.js';

/** Tokens a model request used, summed over its rounds. */
export interface TokenCount {
  readonly prompt: number;
  readonly completion: number;
}

/** What a key has used, as `/key/info` shows it: counted by every gateway, in Redis. */
export interface KeyUsageReport {
  /** Tool calls by tool, then outcome. */
  readonly tool_calls: Record<string, Record<string, number>>;
  /** Chat, Responses and embedding requests by model, then HTTP status. */
  readonly chat_requests: Record<string, Record<string, number>>;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface KeyUsage {
  recordToolCall(key: VirtualKey, tool: string, outcome: CallOutcomeLabel): void;
  recordChatRequest(key: VirtualKey, model: string, status: number, tokens: TokenCount | undefined): void;
  report(key: VirtualKey): Promise<KeyUsageReport>;
}

/** The name a key goes by in metrics: its alias, else the start of its hash (never the key). */
export const keyLabel = (key: VirtualKey) => key.key_alias ?? `hash:${key.token.slice(0, 12)}`;

// Counter fields: a JSON array of the parts, so no tool or model name can run into another field.
const field = (...parts: readonly string[]) => JSON.stringify(parts);

function reportOf(counts: Readonly<Record<string, number>>): KeyUsageReport {
  const report: KeyUsageReport = {
    tool_calls: {},
    chat_requests: {},
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
  };
  const tokens = { prompt_tokens: 0, completion_tokens: 0 };
  for (const [name, count] of Object.entries(counts)) {
    const [kind, first = '', second = ''] = JSON.parse(name) as string[];
    if (kind === 'tool' || kind === 'chat') {
      const table = kind === 'tool' ? report.tool_calls : report.chat_requests;
      table[first] = { ...table[first], [second]: count };
    } else if (kind === 'prompt_tokens' || kind === 'completion_tokens') tokens[kind] = count;
  }
  return { ...report, ...tokens, total_tokens: tokens.prompt_tokens + tokens.completion_tokens };
}

/**
 * Usage per virtual key: counted in Redis, so `/key/info` shows what every gateway saw, and in this
 * gateway's metrics, labelled by key alias. Counting never fails a request: a Redis error is logged.
 */
export function createKeyUsage(store: KeyStore, metrics: GatewayMetrics, logger: Logger): KeyUsage {
  const add = (key: VirtualKey, counts: Record<string, number>) => {
    store
      .addUsage(key, counts)
      .catch((error: unknown) =>
        logger.warn({ keyAlias: keyLabel(key), err: messageOf(error) }, 'key usage not counted'),
      );
  };
  return {
    recordToolCall(key, tool, outcome) {
      metrics.recordKeyToolCall(keyLabel(key), tool, outcome);
      add(key, { [field('tool', tool, outcome)]: 1 });
    },
    recordChatRequest(key, model, status, tokens) {
      metrics.recordKeyChatRequest(keyLabel(key), model, status, tokens);
      add(key, {
        [field('chat', model, String(status))]: 1,
        ...(tokens && { [field('prompt_tokens')]: tokens.prompt, [field('completion_tokens')]: tokens.completion }),
      });
    },
    report: async (key) => reportOf(await store.usage(key)),
  };
}
