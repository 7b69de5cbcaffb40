import { APIUserAbortError } from 'openai';
import type { ModelDeployment } from '../config/load-config.js';
import type { RoutingSettings } from '../config/routing-settings.js';
import type { EnvSnapshot } from '../config/secret.js';
import type { ChatProvider } from './chat-provider.js';
import { createDeploymentProvider, deploymentProblem } from './deployment-client.js';
import { DEFAULT_AZURE_API_VERSION, routeModel } from '../config/provider-route.js';
import { isContextWindowError, isRetryableUpstreamError } from './upstream-error.js';

/** One deployment, ready to call for one request. */
export interface DeploymentTarget {
  readonly deployment: ModelDeployment;
  /** The model name sent upstream (the part after the provider prefix). */
  readonly upstreamModel: string;
  /** The deployment's reused upstream, built on first use. */
  provider(): ChatProvider;
}

export interface DeploymentFailure {
  readonly deployment: ModelDeployment;
  readonly error: unknown;
  /** Whether another deployment, retry or fallback group will be tried. */
  readonly willRetry: boolean;
}

export interface ModelRouter {
  /** The groups and aliases `/v1/models` lists: those with a deployment toolgate can serve. */
  readonly modelNames: readonly string[];
  /** Whether a name selects a group: its own, an alias's, or a wildcard's. */
  has(modelName: string): boolean;
  /**
   * Calls `attempt` on the group's deployments in weighted-shuffle order (resting ones last), moving on
   * after a connection error, timeout, 5xx or 429; tries the group `num_retries` more times; then its
   * `fallbacks` (or `context_window_fallbacks` after a context-length error). Throws the last error.
   */
  route<T>(
    modelName: string,
    attempt: (target: DeploymentTarget) => Promise<T>,
    onFailure?: (failure: DeploymentFailure) => void,
  ): Promise<T>;
  /** Deployments that cannot be served as configured, for startup warnings. */
  readonly warnings: readonly string[];
}

interface Deployment {
  readonly config: ModelDeployment;
  /** Upstreams by resolved model (a wildcard deployment serves many). */
  readonly providers: Map<string, ChatProvider>;
  failures: number;
  restingUntil: number;
}

interface Group {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  /** What `*` stood for in a wildcard group's name. */
  readonly wildcardPart: string | undefined;
}

function wildcardPattern(name: string): RegExp {
  return new RegExp(
    `^${name
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('(.*)')}$`,
  );
}

/** LiteLLM's simple-shuffle: weighted by `weight`, else `rpm`, else `tpm`, else uniform; without replacement. */
function weightedOrder(deployments: readonly Deployment[]): Deployment[] {
  const key = (['weight', 'rpm', 'tpm'] as const).find((name) =>
    deployments.some((each) => each.config[name] !== undefined),
  );
  const pool = deployments.map((each) => ({ each, weight: key ? (each.config[key] ?? 0) : 1 }));
  const order: Deployment[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, entry) => sum + entry.weight, 0);
    let pick = total > 0 ? Math.random() * total : 0;
    let index =
      total > 0 ? pool.findIndex((entry) => (pick -= entry.weight) < 0) : Math.floor(Math.random() * pool.length);
    if (index === -1) index = pool.length - 1;
    order.push(...pool.splice(index, 1).map((entry) => entry.each));
  }
  return order;
}

/** Groups `model_list` by `model_name` and routes requests as `litellm_settings` and `router_settings` say. */
export function createModelRouter(
  configs: readonly ModelDeployment[],
  env: EnvSnapshot,
  routing: RoutingSettings,
): ModelRouter {
  const groups = new Map<string, Deployment[]>();
  const warnings: string[] = [];
  const servable = new Set<string>();
  for (const config of configs) {
    const problem = config.mockResponse === undefined ? deploymentProblem(config) : undefined;
    if (problem) warnings.push(`model_list[${config.index}]: ${problem}; left out of /v1/models`);
    else servable.add(config.modelName);
    if (
      !problem &&
      routeModel(config.model).kind === 'azure' &&
      config.apiVersion === undefined &&
      !env.AZURE_API_VERSION
    ) {
      warnings.push(
        `model_list[${config.index}]: azure deployment without api_version; using ${DEFAULT_AZURE_API_VERSION}`,
      );
    }
    groups.set(config.modelName, [
      ...(groups.get(config.modelName) ?? []),
      { config, providers: new Map(), failures: 0, restingUntil: 0 },
    ]);
  }
  const wildcards = [...groups.keys()]
    .filter((name) => name.includes('*'))
    // The most specific pattern first: `anthropic/*` before `*`.
    .sort((a, b) => b.replace(/\*/g, '').length - a.replace(/\*/g, '').length)
    .map((name) => ({ name, pattern: wildcardPattern(name) }));

  const resolve = (requested: string): Group | undefined => {
    const name = routing.modelGroupAlias.get(requested) ?? requested;
    const exact = groups.get(name);
    if (exact) return { name, deployments: exact, wildcardPart: undefined };
    for (const wildcard of wildcards) {
      const match = wildcard.pattern.exec(name);
      if (match)
        return { name: wildcard.name, deployments: groups.get(wildcard.name) ?? [], wildcardPart: match[1] ?? '' };
    }
    return undefined;
  };

  const targetFor = (deployment: Deployment, group: Group): DeploymentTarget => {
    const model =
      group.wildcardPart === undefined
        ? deployment.config.model
        : deployment.config.model.replace('*', group.wildcardPart);
    return {
      deployment: deployment.config,
      upstreamModel: routeModel(model).upstreamModel,
      provider() {
        let provider = deployment.providers.get(model);
        if (!provider) {
          provider = createDeploymentProvider(deployment.config, model, env, routing);
          deployment.providers.set(model, provider);
        }
        return provider;
      },
    };
  };

  const failed = (deployment: Deployment) => {
    deployment.failures += 1;
    if (deployment.failures > routing.allowedFails) {
      deployment.restingUntil = Date.now() + routing.cooldownMs;
      deployment.failures = 0;
    }
  };

  async function tryGroup<T>(
    group: Group,
    attempt: (target: DeploymentTarget) => Promise<T>,
    onFailure: ((failure: DeploymentFailure) => void) | undefined,
    more: boolean,
  ): Promise<T> {
    const now = Date.now();
    const order = weightedOrder(group.deployments);
    // Deployments resting after repeated failures go last rather than nowhere.
    order.sort((a, b) => Number(a.restingUntil > now) - Number(b.restingUntil > now));
    let lastError: unknown = new Error(`model group ${group.name} has no deployments`);
    for (const [position, deployment] of order.entries()) {
      try {
        const result = await attempt(targetFor(deployment, group));
        deployment.failures = 0;
        return result;
      } catch (error) {
        lastError = error;
        const retryable = isRetryableUpstreamError(error) && !isContextWindowError(error);
        if (retryable) failed(deployment);
        const nextHere = retryable && position < order.length - 1;
        onFailure?.({
          deployment: deployment.config,
          error,
          willRetry: nextHere || (more && !(error instanceof APIUserAbortError)),
        });
        if (!nextHere) break;
      }
    }
    throw lastError;
  }

  async function withRetries<T>(
    group: Group,
    attempt: (target: DeploymentTarget) => Promise<T>,
    onFailure: ((failure: DeploymentFailure) => void) | undefined,
    fallbacksLeft: boolean,
  ): Promise<T> {
    let lastError: unknown;
    for (let round = 0; round <= routing.numRetries; round += 1) {
      const retriesLeft = round < routing.numRetries;
      try {
        return await tryGroup(group, attempt, onFailure, retriesLeft || fallbacksLeft);
      } catch (error) {
        lastError = error;
        if (!isRetryableUpstreamError(error) || isContextWindowError(error)) break;
      }
    }
    throw lastError;
  }

  return {
    modelNames: [
      ...[...groups.keys()].filter((name) => servable.has(name) && !name.includes('*')),
      ...routing.modelGroupAlias.keys(),
    ],
    has: (name) => resolve(name) !== undefined,
    warnings,
    async route(modelName, attempt, onFailure) {
      const group = resolve(modelName);
      if (!group) throw new Error(`unknown model ${modelName}`);
      const fallbacksOf = (error: unknown) =>
        (isContextWindowError(error) ? routing.contextWindowFallbacks : routing.fallbacks).get(group.name) ?? [];
      try {
        return await withRetries(
          group,
          attempt,
          onFailure,
          routing.fallbacks.has(group.name) || routing.contextWindowFallbacks.has(group.name),
        );
      } catch (error) {
        if (error instanceof APIUserAbortError) throw error;
        let lastError = error;
        const fallbacks = fallbacksOf(error);
        for (const [position, name] of fallbacks.entries()) {
          const fallback = resolve(name);
          if (!fallback) continue;
          try {
            return await withRetries(fallback, attempt, onFailure, position < fallbacks.length - 1);
          } catch (fallbackError) {
            lastError = fallbackError;
          }
        }
        throw lastError;
      }
    },
  };
}
