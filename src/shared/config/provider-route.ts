/** How a provider is spoken to. */
export type ProviderKind = 'openai' | 'azure' | 'anthropic';

/** Where a `provider/model` name is sent: the provider's kind, the upstream model name, and its base URL. */
export interface ProviderRoute {
  readonly provider: string;
  /** The name after the provider prefix, sent upstream (`hosted_vllm/meta-llama/X` → `meta-llama/X`). */
  readonly upstreamModel: string;
  readonly kind: ProviderKind;
  /** Base URL when the provider has a well-known one and no `api_base` was given. */
  readonly defaultBaseUrl: string | undefined;
  /** The environment variables LiteLLM reads the key from when `api_key` is absent, first match wins. */
  readonly keyEnvNames: readonly string[];
}

interface KnownProvider {
  readonly kind: ProviderKind;
  readonly baseUrl?: string;
  readonly keyEnv?: readonly string[];
}

/** Providers toolgate serves, with the endpoints and key variables LiteLLM uses for them. */
const KNOWN_PROVIDERS: Record<string, KnownProvider> = {
  openai: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', keyEnv: ['OPENAI_API_KEY'] },
  azure: { kind: 'azure', keyEnv: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'] },
  anthropic: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', keyEnv: ['ANTHROPIC_API_KEY'] },
  // OpenAI-compatible APIs at known addresses.
  groq: { kind: 'openai', baseUrl: 'https://api.groq.com/openai/v1', keyEnv: ['GROQ_API_KEY'] },
  gemini: {
    kind: 'openai',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  },
  mistral: { kind: 'openai', baseUrl: 'https://api.mistral.ai/v1', keyEnv: ['MISTRAL_API_KEY'] },
  deepseek: { kind: 'openai', baseUrl: 'https://api.deepseek.com/v1', keyEnv: ['DEEPSEEK_API_KEY'] },
  openrouter: { kind: 'openai', baseUrl: 'https://openrouter.ai/api/v1', keyEnv: ['OPENROUTER_API_KEY', 'OR_API_KEY'] },
  together_ai: {
    kind: 'openai',
    baseUrl: 'https://api.together.xyz/v1',
    keyEnv: ['TOGETHERAI_API_KEY', 'TOGETHER_API_KEY', 'TOGETHER_AI_TOKEN'],
  },
  fireworks_ai: {
    kind: 'openai',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyEnv: ['FIREWORKS_AI_API_KEY', 'FIREWORKS_API_KEY', 'FIREWORKSAI_API_KEY'],
  },
  xai: { kind: 'openai', baseUrl: 'https://api.x.ai/v1', keyEnv: ['XAI_API_KEY'] },
  cerebras: { kind: 'openai', baseUrl: 'https://api.cerebras.ai/v1', keyEnv: ['CEREBRAS_API_KEY'] },
  perplexity: {
    kind: 'openai',
    baseUrl: 'https://api.perplexity.ai',
    keyEnv: ['PERPLEXITYAI_API_KEY', 'PERPLEXITY_API_KEY'],
  },
  cohere: {
    kind: 'openai',
    baseUrl: 'https://api.cohere.ai/compatibility/v1',
    keyEnv: ['COHERE_API_KEY', 'CO_API_KEY'],
  },
  hosted_vllm: { kind: 'openai', keyEnv: ['HOSTED_VLLM_API_KEY'] },
  ollama: { kind: 'openai', baseUrl: 'http://localhost:11434/v1' },
  ollama_chat: { kind: 'openai', baseUrl: 'http://localhost:11434/v1' },
  lm_studio: { kind: 'openai', baseUrl: 'http://localhost:1234/v1' },
};

/**
 * The Azure OpenAI data-plane version used when a deployment names none (nor `AZURE_API_VERSION`): the
 * latest generally available one when this was written. Newer features need `api_version` set.
 */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** Model names a provider is known by, for names given without a prefix (LiteLLM infers these too). */
const NAME_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^claude-/, 'anthropic'],
  [/^gemini-/, 'gemini'],
  [/^(?:mistral-|open-mistral|open-mixtral|codestral|pixtral|ministral|magistral)/, 'mistral'],
  [/^deepseek-/, 'deepseek'],
  [/^grok-/, 'xai'],
  [/^command(?:-|$)/, 'cohere'],
];

export const SUPPORTED_MODEL_FORMS =
  `openai/, anthropic/, azure/ (with api_base), ${Object.keys(KNOWN_PROVIDERS)
    .filter((name) => !['openai', 'anthropic', 'azure'].includes(name))
    .join('/, ')}/, ` + 'or any <provider>/<model> with api_base pointing at an OpenAI-compatible server';

/** `provider/model` as given; a name without a prefix gets the provider it belongs to, else `openai/`. */
export function withProviderPrefix(model: string): string {
  if (model.includes('/')) return model;
  const provider = NAME_PATTERNS.find(([pattern]) => pattern.test(model))?.[1] ?? 'openai';
  return `${provider}/${model}`;
}

/** Splits `provider/model`; a name without a prefix is placed as `withProviderPrefix` says. */
export function routeModel(model: string): ProviderRoute {
  const prefixed = withProviderPrefix(model);
  const slash = prefixed.indexOf('/');
  const provider = prefixed.slice(0, slash);
  const known = KNOWN_PROVIDERS[provider];
  return {
    provider,
    upstreamModel: prefixed.slice(slash + 1),
    kind: known?.kind ?? 'openai',
    defaultBaseUrl: known?.baseUrl,
    keyEnvNames: known?.keyEnv ?? [],
  };
}

/** The provider a key variable is named for (`ANTHROPIC_API_KEY` → anthropic), if it is one of theirs. */
export function providerOfKeyVariable(name: string): string | undefined {
  return Object.entries(KNOWN_PROVIDERS).find(([, known]) => known.keyEnv?.includes(name))?.[0];
}

/**
 * Ollama serves its OpenAI-compatible API under `/v1`; LiteLLM users give the bare host
 * (`http://localhost:11434`), so a base with no path gets `/v1`.
 */
export function normaliseApiBase(provider: string, apiBase: string): string {
  if (provider !== 'ollama' && provider !== 'ollama_chat') return apiBase;
  try {
    const url = new URL(apiBase);
    if (url.pathname === '/' || url.pathname === '') return `${url.origin}/v1`;
  } catch {
    // Not a URL: the client will say so when it is used.
  }
  return apiBase;
}

/** Why toolgate cannot call a deployment, or undefined when it can. */
export function unsupportedReason(model: string, hasApiBase: boolean): string | undefined {
  const route = routeModel(model);
  if (route.kind === 'azure' && !hasApiBase) return `model "${model}": azure/ needs api_base (your resource endpoint)`;
  if (hasApiBase || route.defaultBaseUrl !== undefined) return undefined;
  return `model "${model}": provider "${route.provider}" is not served without api_base; supported: ${SUPPORTED_MODEL_FORMS}`;
}

/**
 * Why a deployment would send its key to a provider it was not given for (a `claude-…` model routed to
 * OpenAI with `ANTHROPIC_API_KEY`, say), or undefined when the key fits.
 */
export function keyMismatchReason(
  model: string,
  apiKeyEnvName: string | undefined,
  hasApiBase: boolean,
): string | undefined {
  if (apiKeyEnvName === undefined || hasApiBase) return undefined;
  const owner = providerOfKeyVariable(apiKeyEnvName);
  const route = routeModel(model);
  if (owner === undefined || owner === route.provider) return undefined;
  return `model "${model}" goes to ${route.provider} but its api_key is ${apiKeyEnvName}, a ${owner} key: refusing to send it; write the model as ${owner}/${route.upstreamModel}`;
}
