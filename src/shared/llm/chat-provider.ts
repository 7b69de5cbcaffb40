import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import type {
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
} from 'openai/resources/responses/responses';

/** A chat request in OpenAI's shape, with the upstream model name already in `model`. */
export type ChatRequest = Record<string, unknown> & { readonly model: string };

/**
 * One deployment's upstream, spoken to in OpenAI's shapes whatever the provider's own API is. Errors are
 * the `openai` package's error classes (status, connection, timeout, abort), so routing and error
 * responses treat every provider alike.
 */
export interface ChatProvider {
  complete(request: ChatRequest, signal: AbortSignal): Promise<ChatCompletion>;
  stream(request: ChatRequest, signal: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>>;
  embed(
    request: Record<string, unknown> & { readonly model: string },
    signal: AbortSignal,
  ): Promise<CreateEmbeddingResponse>;
  /** The Responses API as the upstream serves it, when it does (OpenAI-compatible clients only). */
  readonly responses?: {
    create(request: ChatRequest, signal: AbortSignal): Promise<unknown>;
    stream(request: ChatRequest, signal: AbortSignal): Promise<AsyncIterable<{ type: string }>>;
  };
}

/** An OpenAI-compatible upstream: requests pass through as they are. */
export function createOpenAiProvider(client: OpenAI): ChatProvider {
  return {
    complete: (request, signal) =>
      client.chat.completions.create(request as unknown as ChatCompletionCreateParamsNonStreaming, { signal }),
    stream: (request, signal) =>
      client.chat.completions.create({ ...request, stream: true } as unknown as ChatCompletionCreateParamsStreaming, {
        signal,
      }),
    embed: (request, signal) => client.embeddings.create(request as unknown as EmbeddingCreateParams, { signal }),
    responses: {
      create: (request, signal) =>
        client.responses.create({ ...request, stream: false } as unknown as ResponseCreateParamsNonStreaming, {
          signal,
        }),
      stream: (request, signal) =>
        client.responses.create({ ...request, stream: true } as unknown as ResponseCreateParamsStreaming, { signal }),
    },
  };
}
