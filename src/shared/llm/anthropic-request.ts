/**
 * Translation of an OpenAI chat completion request into Anthropic's Messages API (pure), so that an
 * `anthropic/` deployment takes any client's request: messages, images, tools and tool choice.
 */
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  Tool,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
import { AppError } from '../errors.js';
import { isJsonObject } from '../json-object.js';
import type { ChatRequest } from './chat-provider.js';

/** Anthropic requires `max_tokens`; LiteLLM sends this when a request gives none. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** Request keys the translation carries over (or that need nothing on Anthropic's side). */
const TRANSLATED = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'n',
]);

type AnthropicParams = Omit<MessageCreateParamsNonStreaming, 'stream'>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isJsonObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

function imageBlock(url: string): ContentBlockParam {
  const data = /^data:(image\/(?:png|jpeg|gif|webp));base64,(.*)$/s.exec(url);
  if (data)
    return { type: 'image', source: { type: 'base64', media_type: data[1] as 'image/png', data: data[2] ?? '' } };
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: unknown): ContentBlockParam[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part): ContentBlockParam[] => {
    if (!isJsonObject(part)) return [];
    if (part.type === 'text' && typeof part.text === 'string') return [{ type: 'text', text: part.text }];
    const image = part.image_url;
    if (part.type === 'image_url' && isJsonObject(image) && typeof image.url === 'string')
      return [imageBlock(image.url)];
    throw new AppError('invalid_request', `anthropic: message content of type "${String(part.type)}" is not supported`);
  });
}

function parseArguments(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isJsonObject(parsed) ? parsed : { value: parsed };
  } catch {
    throw new AppError('invalid_request', "anthropic: a tool call's arguments are not valid JSON");
  }
}

function assistantBlocks(message: Record<string, unknown>): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  const text = textOf(message.content);
  if (text !== '') blocks.push({ type: 'text', text });
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue;
    blocks.push({
      type: 'tool_use',
      id: String(call.id),
      name: String(call.function.name),
      input: parseArguments(call.function.arguments),
    });
  }
  return blocks;
}

/** Messages alternate user/assistant on Anthropic's side: consecutive ones of a role become one. */
function pushMerged(messages: MessageParam[], role: 'user' | 'assistant', blocks: ContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = messages.at(-1);
  if (last?.role === role && Array.isArray(last.content)) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

function toolChoice(choice: unknown, parallel: unknown): ToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  if (choice === 'none') return { type: 'none' };
  if (isJsonObject(choice) && isJsonObject(choice.function) && typeof choice.function.name === 'string')
    return { type: 'tool', name: choice.function.name, ...disable };
  throw new AppError('invalid_request', 'anthropic: tool_choice must be "auto", "required", "none" or a function');
}

function tools(raw: unknown): Tool[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map((tool) => {
    const fn = isJsonObject(tool) && isJsonObject(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== 'string')
      throw new AppError('invalid_request', 'anthropic: only function tools are supported');
    const schema = isJsonObject(fn.parameters) ? fn.parameters : { type: 'object' };
    return {
      name: fn.name,
      ...(typeof fn.description === 'string' && { description: fn.description }),
      input_schema: schema as Tool['input_schema'],
    };
  });
}

/**
 * An OpenAI chat request as Anthropic Messages parameters. Parameters Anthropic has no counterpart for
 * are refused, naming them, unless `dropParams` (LiteLLM's `drop_params`) says to drop them.
 */
export function toAnthropicRequest(request: ChatRequest, dropParams: boolean): AnthropicParams {
  const unsupported = Object.keys(request).filter(
    (key) => !TRANSLATED.has(key) && request[key] !== undefined && request[key] !== null,
  );
  if (request.n !== undefined && request.n !== 1) unsupported.push('n');
  if (unsupported.length > 0 && !dropParams) {
    throw new AppError(
      'invalid_request',
      `anthropic does not support ${unsupported.join(', ')}; remove them, or set litellm_settings.drop_params: true to drop them`,
    );
  }
  const system: string[] = [];
  const messages: MessageParam[] = [];
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!isJsonObject(message)) continue;
    if (message.role === 'system' || message.role === 'developer') system.push(textOf(message.content));
    else if (message.role === 'user') pushMerged(messages, 'user', userBlocks(message.content));
    else if (message.role === 'assistant') pushMerged(messages, 'assistant', assistantBlocks(message));
    else if (message.role === 'tool')
      pushMerged(messages, 'user', [
        { type: 'tool_result', tool_use_id: String(message.tool_call_id), content: textOf(message.content) },
      ]);
    else
      throw new AppError(
        'invalid_request',
        `anthropic: messages with role "${String(message.role)}" are not supported`,
      );
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const stop =
    typeof request.stop === 'string'
      ? [request.stop]
      : Array.isArray(request.stop)
        ? request.stop.map(String)
        : undefined;
  const choice = toolChoice(request.tool_choice, request.parallel_tool_calls);
  const declared = tools(request.tools);
  return {
    model: request.model,
    max_tokens: Number(maxTokens),
    messages,
    ...(system.length > 0 && { system: system.join('\n\n') }),
    ...(typeof request.temperature === 'number' && { temperature: request.temperature }),
    ...(typeof request.top_p === 'number' && { top_p: request.top_p }),
    ...(stop && { stop_sequences: stop }),
    ...(declared && { tools: declared }),
    ...(choice && { tool_choice: choice }),
    ...(typeof request.user === 'string' && { metadata: { user_id: request.user } }),
  };
}
