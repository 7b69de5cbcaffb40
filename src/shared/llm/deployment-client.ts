import OpenAI, { AzureOpenAI } from 'openai';
import type { ModelDeployment } from '../config/load-config.js';
import type { RoutingSettings } from '../config/routing-settings.js';
import { resolveConfigValue, type ConfigValue, type EnvSnapshot } from '../config/secret.js';
import { AppError, messageOf } from '../errors.js';
import { createAnthropicProvider } from './anthropic-provider.js';
import { createOpenAiProvider, type ChatProvider } from './chat-provider.js';
import {
  DEFAULT_AZURE_API_VERSION,
  keyMismatchReason,
  normaliseApiBase,
  routeModel,
  unsupportedReason,
} from '../config/provider-route.js';

/** Used when an OpenAI-compatible server needs no key (Ollama, LM Studio, most vLLM setups). */
const NO_KEY = 'none';
const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * A deployment that cannot be called as configured (a provider not served, a key for another provider, an
 * unset variable): the router moves on to the group's next deployment, as from an unreachable one. Any
 * other AppError is about the request, and is the client's to fix.
 */
export class DeploymentUnusableError extends AppError {}

/** Why a deployment cannot be called as configured (for startup warnings and for its requests), if so. */
export function deploymentProblem(deployment: ModelDeployment, model = deployment.model): string | undefined {
  const hasApiBase = deployment.apiBase !== undefined;
  return unsupportedReason(model, hasApiBase) ?? keyMismatchReason(model, deployment.apiKeyEnvName, hasApiBase);
}

/**
 * Builds the upstream for one deployment and model (`model` differs from the deployment's own for a
 * wildcard deployment). Keys named by `os.environ/` are resolved now, when the deployment is first used.
 * Retries are off: the router retries and falls back instead. Throws `invalid_request` for a deployment
 * toolgate cannot serve or whose key belongs to another provider (never guessing an endpoint, which
 * would send the prompt and the key elsewhere), and `deployment_misconfigured` for an unset variable.
 */
export function createDeploymentProvider(
  deployment: ModelDeployment,
  model: string,
  env: EnvSnapshot,
  routing: RoutingSettings,
): ChatProvider {
  const problem = deploymentProblem(deployment, model);
  if (problem) throw new DeploymentUnusableError('invalid_request', problem);
  const route = routeModel(model);
  const where = `model_list[${deployment.index}].litellm_params`;
  const resolve = (value: ConfigValue, key: string) => {
    try {
      return resolveConfigValue(value, env, `${where}.${key}`);
    } catch (error) {
      throw new DeploymentUnusableError(
        'deployment_misconfigured',
        `Model ${deployment.modelName} is misconfigured: ${messageOf(error)}`,
      );
    }
  };
  const envKey = route.keyEnvNames.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  const apiKey = deployment.apiKey ? resolve(deployment.apiKey, 'api_key') : (envKey ?? NO_KEY);
  const apiBase = deployment.apiBase
    ? normaliseApiBase(route.provider, resolve(deployment.apiBase, 'api_base'))
    : route.defaultBaseUrl;
  const timeout = deployment.timeoutMs ?? routing.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (route.kind === 'anthropic')
    return createAnthropicProvider({ apiKey, baseURL: apiBase, timeout, dropParams: routing.dropParams });
  // logLevel off: the client formats request details for its logger on every call otherwise.
  const common = { apiKey, timeout, maxRetries: 0, logLevel: 'off' as const };
  if (route.kind === 'azure') {
    // The name becomes a path segment on the Azure host, with the key attached: with a wildcard model
    // it comes from the client, so only a plain deployment name goes.
    if (!/^[\w.-]+$/.test(route.upstreamModel))
      throw new DeploymentUnusableError(
        'invalid_request',
        `Azure deployment name ${JSON.stringify(route.upstreamModel)} may use letters, digits, ".", "_" and "-" only`,
      );
    const apiVersion = deployment.apiVersion ?? env.AZURE_API_VERSION ?? DEFAULT_AZURE_API_VERSION;
    return createOpenAiProvider(
      new AzureOpenAI({ ...common, endpoint: apiBase, apiVersion, deployment: route.upstreamModel }),
    );
  }
  // deploymentProblem() has ensured there is a base URL; OpenAI's constructor would otherwise fall back
  // to api.openai.com.
  return createOpenAiProvider(new OpenAI({ ...common, baseURL: apiBase }));
}
