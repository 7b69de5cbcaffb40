import type OpenAI from 'openai';
import type { ModelDeployment } from '../config/load-config.js';
import type { EnvSnapshot } from '../config/secret.js';
import { createDeploymentClient } from './deployment-client.js';
import { routeModel, unsupportedReason } from './provider-route.js';
import { isRetryableUpstreamError } from './upstream-error.js';

/** One deployment, ready to call. */
export interface DeploymentTarget {
  readonly deployment: ModelDeployment;
  /** The model name sent upstream (the part after the provider prefix). */
  readonly upstreamModel: string;
  /** The deployment's reused client, built on first use. */
  client(): OpenAI;
}

export interface DeploymentFailure {
  readonly deployment: ModelDeployment;
  readonly error: unknown;
  /** Whether another deployment will be tried. */
  readonly willRetry: boolean;
}

export interface ModelRouter {
  /** Distinct `model_name`s, in config order. */
  readonly modelNames: readonly string[];
  has(modelName: string): boolean;
  /**
   * Calls `attempt` on the group's deployments, starting at the next one in round-robin order, moving on
   * after a connection error, timeout, 5xx or 429 (and `attempt` decides when that is still possible).
   * Throws the last error when every deployment failed, or the first error that is not retryable.
   */
  route<T>(modelName: string, attempt: (target: DeploymentTarget) => Promise<T>, onFailure?: (failure: DeploymentFailure) => void): Promise<T>;
  /** Deployments that cannot be served as configured, for startup warnings. */
  readonly warnings: readonly string[];
}

/** Groups `model_list` by `model_name`; one reused `openai` client per deployment. */
export function createModelRouter(deployments: readonly ModelDeployment[], env: EnvSnapshot): ModelRouter {
  const groups = new Map<string, DeploymentTarget[]>();
  const warnings: string[] = [];
  for (const deployment of deployments) {
    let client: OpenAI | undefined;
    const target: DeploymentTarget = {
      deployment,
      upstreamModel: routeModel(deployment.model).upstreamModel,
      client: () => (client ??= createDeploymentClient(deployment, env)),
    };
    const reason = deployment.mockResponse === undefined ? unsupportedReason(deployment.model, deployment.apiBase !== undefined) : undefined;
    if (reason) warnings.push(`model_list[${deployment.index}]: ${reason}`);
    groups.set(deployment.modelName, [...(groups.get(deployment.modelName) ?? []), target]);
  }
  const nextStart = new Map<string, number>();

  return {
    modelNames: [...groups.keys()],
    has: (name) => groups.has(name),
    warnings,
    async route(modelName, attempt, onFailure) {
      const group = groups.get(modelName);
      if (!group || group.length === 0) throw new Error(`unknown model ${modelName}`);
      const start = nextStart.get(modelName) ?? 0;
      nextStart.set(modelName, (start + 1) % group.length);
      let lastError: unknown;
      for (let offset = 0; offset < group.length; offset += 1) {
        const target = group[(start + offset) % group.length] as DeploymentTarget;
        try {
          return await attempt(target);
        } catch (error) {
          lastError = error;
          const willRetry = offset < group.length - 1 && isRetryableUpstreamError(error);
          onFailure?.({ deployment: target.deployment, error, willRetry });
          if (!willRetry) break;
        }
      }
      throw lastError;
    },
  };
}
