import Anthropic from '@anthropic-ai/sdk';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { AppError } from '../errors.js';
import { isJsonObject } from '../json-object.js';
import { toAnthropicRequest } from './anthropic-request.js';
import { createChunkTranslator, fromAnthropicMessage } from './anthropic-response.js';
import type { ChatProvider } from './chat-provider.js';

export interface AnthropicProviderOptions {
  readonly apiKey: string;
  readonly baseURL: string | undefined;
  readonly timeout: number;
  readonly dropParams: boolean;
}

/** Anthropic's errors as the `openai` package's, which routing and error responses understand. */
function asOpenAiError(error: unknown): unknown {
  if (error instanceof Anthropic.APIUserAbortError) return new APIUserAbortError();
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new APIConnectionTimeoutError();
  if (error instanceof Anthropic.APIConnectionError) return new APIConnectionError({ cause: error });
  if (error instanceof Anthropic.APIError && error.status !== undefined) {
    // Anthropic's body is `{ type: "error", error: { type, message } }`; OpenAI's error keeps the inner one.
    const body: unknown = error.error;
    const inner = isJsonObject(body) && isJsonObject(body.error) ? body.error : undefined;
    // Without headers, `generate` would call it a connection error.
    return APIError.generate(error.status, inner, error.message, error.headers ?? new Headers());
  }
  return error;
}

async function translatingErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asOpenAiError(error);
  }
}

/** An `anthropic/` deployment, through Anthropic's own Messages API and official SDK. */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  // The key goes in `x-api-key`, as Anthropic's API documents it; null credentials keep the SDK from
  // reading any of the process's own (ANTHROPIC_API_KEY and the like) into the request.
  const client = new Anthropic({
    apiKey: null,
    authToken: null,
    defaultHeaders: { 'x-api-key': options.apiKey },
    baseURL: options.baseURL ?? null,
    timeout: options.timeout,
    maxRetries: 0,
    logLevel: 'off',
  });
  return {
    complete: (request, signal) =>
      translatingErrors(async () =>
        fromAnthropicMessage(
          await client.messages.create(
            { ...toAnthropicRequest(request, options.dropParams), stream: false },
            { signal },
          ),
        ),
      ),
    async stream(request, signal) {
      const params = toAnthropicRequest(request, options.dropParams);
      const includeUsage = isJsonObject(request.stream_options) && request.stream_options.include_usage === true;
      const events = await translatingErrors(() => client.messages.create({ ...params, stream: true }, { signal }));
      const translate = createChunkTranslator(includeUsage);
      return (async function* (): AsyncGenerator<ChatCompletionChunk> {
        try {
          for await (const event of events) yield* translate(event);
        } catch (error) {
          throw asOpenAiError(error);
        }
      })();
    },
    embed: () => Promise.reject(new AppError('invalid_request', 'anthropic serves no embeddings')),
  };
}
