import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ModelDeployment } from '../shared/config/load-config.js';
import { parseConfigValue } from '../shared/config/secret.js';
import { DEFAULT_ROUTING } from '../shared/config/routing-settings.js';
import { createDeploymentProvider } from '../shared/llm/deployment-client.js';
import { mockCompletion } from '../shared/llm/mock-completion.js';
import { routeModel, withProviderPrefix } from '../shared/config/provider-route.js';

export type CompletionRequest = Omit<ChatCompletionCreateParamsNonStreaming, 'model'> & {
  /** `provider/model` as in `model_list` (`openai/gpt-4o`, `anthropic/…`); no prefix: the provider the name belongs to.
   *  With `baseURL`, the gateway's model name. */
  readonly model: string;
  /** Provider key (defaults to `OPENAI_API_KEY` or `AZURE_API_KEY`), or the gateway key with `baseURL`. */
  readonly apiKey?: string;
  /** Any OpenAI-compatible server (vLLM, Ollama, …), as `api_base` in `model_list`. */
  readonly apiBase?: string;
  /** For `azure/…`. */
  readonly apiVersion?: string;
  /** A toolgate gateway (`http://127.0.0.1:4000/v1`): the request goes there with `model` unchanged. */
  readonly baseURL?: string;
  /** Answers without calling any model. */
  readonly mockResponse?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
};

/** A chat completion with `text`: the first choice's message content. */
export type CompletionResponse = ChatCompletion & { readonly text: string };

function withText(completion: ChatCompletion): CompletionResponse {
  return Object.assign(completion, { text: completion.choices[0]?.message.content ?? '' });
}

/**
 * Calls a model the way the gateway routes `model_list` entries (same provider code), or sends the
 * request to a toolgate gateway when `baseURL` is given. Keys not passed are read from the environment,
 * as the `openai` SDK does. A provider toolgate cannot serve without `apiBase` throws an `AppError`
 * (`invalid_request`) naming the supported forms.
 */
export async function completion(request: CompletionRequest): Promise<CompletionResponse> {
  const { model, apiKey, apiBase, apiVersion, baseURL, mockResponse, timeoutMs, signal, ...body } = request;
  if (mockResponse !== undefined) return withText(mockCompletion(model, body.messages, mockResponse));

  if (baseURL !== undefined) {
    const gateway = new OpenAI({ baseURL, apiKey: apiKey ?? 'none', timeout: timeoutMs, maxRetries: 0 });
    return withText(await gateway.chat.completions.create({ ...body, model }, { signal }));
  }

  const deployment: ModelDeployment = {
    modelName: model,
    model: withProviderPrefix(model),
    apiKey: apiKey === undefined ? undefined : parseConfigValue(apiKey),
    apiKeyEnvName: undefined,
    apiBase: apiBase === undefined ? undefined : parseConfigValue(apiBase),
    apiVersion,
    mockResponse: undefined,
    servesResponses: false,
    timeoutMs,
    weight: undefined,
    rpm: undefined,
    tpm: undefined,
    defaults: {},
    index: 0,
  };
  const provider = createDeploymentProvider(deployment, deployment.model, process.env, DEFAULT_ROUTING);
  return withText(
    await provider.complete(
      { ...body, model: routeModel(deployment.model).upstreamModel },
      signal ?? new AbortController().signal,
    ),
  );
}
