import OpenAI, { AzureOpenAI } from 'openai';
import type { ModelDeployment } from '../config/load-config.js';
import { resolveConfigValue, type ConfigValue, type EnvSnapshot } from '../config/secret.js';
import { AppError, messageOf } from '../errors.js';
import { routeModel, unsupportedReason } from './provider-route.js';

/** Used when an OpenAI-compatible server needs no key (Ollama, LM Studio, most vLLM setups). */
const NO_KEY = 'none';
const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Builds the `openai` client for one deployment. Keys named by `os.environ/` are resolved now, when the
 * deployment is first used. Retries are off: the router falls back to the next deployment instead.
 * Throws `invalid_request` for a provider toolgate cannot serve (never guessing an endpoint, which would
 * send the prompt and the key elsewhere) and `deployment_misconfigured` for an unset variable.
 */
export function createDeploymentClient(deployment: ModelDeployment, env: EnvSnapshot): OpenAI {
  const unsupported = unsupportedReason(deployment.model, deployment.apiBase !== undefined);
  if (unsupported) throw new AppError('invalid_request', unsupported);
  const route = routeModel(deployment.model);
  const where = `model_list[${deployment.index}].litellm_params`;
  const resolve = (value: ConfigValue, key: string) => {
    try {
      return resolveConfigValue(value, env, `${where}.${key}`);
    } catch (error) {
      throw new AppError('deployment_misconfigured', `Model ${deployment.modelName} is misconfigured: ${messageOf(error)}`);
    }
  };
  const apiKey = deployment.apiKey ? resolve(deployment.apiKey, 'api_key') : (route.keyEnvName && env[route.keyEnvName]) || NO_KEY;
  const apiBase = deployment.apiBase ? resolve(deployment.apiBase, 'api_base') : route.defaultBaseUrl;
  // logLevel off: the client formats request details for its logger on every call otherwise.
  const common = { apiKey, timeout: deployment.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxRetries: 0, logLevel: 'off' as const };
  if (route.kind === 'azure') {
    return new AzureOpenAI({ ...common, endpoint: apiBase, apiVersion: deployment.apiVersion ?? env.AZURE_API_VERSION, deployment: route.upstreamModel });
  }
  // unsupportedReason() has ensured there is a base URL; OpenAI's constructor would otherwise fall back
  // to api.openai.com.
  return new OpenAI({ ...common, baseURL: apiBase });
}
