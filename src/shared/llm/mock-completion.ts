import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

/** A rough token count (four characters a token), so mock usage figures are plausible. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function promptText(messages: unknown): string {
  return Array.isArray(messages)
    ? messages.map((message) => JSON.stringify((message as { content?: unknown }).content ?? '')).join(' ')
    : '';
}

function usageFor(messages: unknown, text: string) {
  const prompt = estimateTokens(promptText(messages));
  const completion = estimateTokens(text);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A complete chat completion answering `text`, as `mock_response` asks (no upstream call). */
export function mockCompletion(model: string, messages: unknown, text: string): ChatCompletion {
  return {
    id: `chatcmpl-mock-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: usageFor(messages, text),
  };
}

/** The same answer as stream chunks: role, the text word by word, the finish, and usage when asked. */
export function mockCompletionChunks(
  model: string,
  messages: unknown,
  text: string,
  includeUsage: boolean,
): ChatCompletionChunk[] {
  const base = {
    id: `chatcmpl-mock-${randomUUID()}`,
    object: 'chat.completion.chunk' as const,
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  const chunks: ChatCompletionChunk[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((piece): ChatCompletionChunk => ({
      ...base,
      choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
    })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: usageFor(messages, text) });
  return chunks;
}
