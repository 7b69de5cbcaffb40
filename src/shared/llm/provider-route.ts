/** Where a `provider/model` name is sent: the provider's kind, the upstream model name, and its base URL. */
export interface ProviderRoute {
  readonly provider: string;
  /** The name after the provider prefix, sent upstream (`hosted_vllm/meta-llama/X` → `meta-llama/X`). */
  readonly upstreamModel: string;
  readonly kind: 'openai' | 'azure';
  /** Base URL when the provider has a well-known one and no `api_base` was given. */
  readonly defaultBaseUrl: string | undefined;
  /** The environment variable LiteLLM reads the key from when `api_key` is absent. */
  readonly keyEnvName: string | undefined;
}

/** Providers served without an `api_base`, with their usual local or public endpoints. */
const KNOWN_PROVIDERS: Record<string, { baseUrl?: string; keyEnv?: string; kind: 'openai' | 'azure' }> = {
  openai: { baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', kind: 'openai' },
  azure: { keyEnv: 'AZURE_API_KEY', kind: 'azure' },
  ollama: { baseUrl: 'http://localhost:11434/v1', kind: 'openai' },
  ollama_chat: { baseUrl: 'http://localhost:11434/v1', kind: 'openai' },
  lm_studio: { baseUrl: 'http://localhost:1234/v1', kind: 'openai' },
};

export const SUPPORTED_MODEL_FORMS =
  'openai/<model>, azure/<deployment> (with api_base and api_version), ollama/<model>, ollama_chat/<model>, lm_studio/<model>, ' +
  'or any <provider>/<model> with api_base pointing at an OpenAI-compatible server (vLLM: hosted_vllm/<model>)';

/** `provider/model` as given, or `openai/<model>` for a name without a prefix (LiteLLM's rule). */
export function withProviderPrefix(model: string): string {
  return model.includes('/') ? model : `openai/${model}`;
}

/** Splits `provider/model`; a name without a prefix means `openai/`. */
export function routeModel(model: string): ProviderRoute {
  const slash = model.indexOf('/');
  const provider = slash === -1 ? 'openai' : model.slice(0, slash);
  const upstreamModel = slash === -1 ? model : model.slice(slash + 1);
  const known = KNOWN_PROVIDERS[provider];
  return { provider, upstreamModel, kind: known?.kind ?? 'openai', defaultBaseUrl: known?.baseUrl, keyEnvName: known?.keyEnv };
}

/** Why toolgate cannot call a deployment, or undefined when it can. */
export function unsupportedReason(model: string, hasApiBase: boolean): string | undefined {
  const route = routeModel(model);
  if (route.kind === 'azure' && !hasApiBase) return `model "${model}": azure/ needs api_base (your resource endpoint) and api_version`;
  if (hasApiBase || route.defaultBaseUrl !== undefined) return undefined;
  return `model "${model}": provider "${route.provider}" needs api_base; supported: ${SUPPORTED_MODEL_FORMS}`;
}
