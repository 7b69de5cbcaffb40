import type { ChatCompletion } from 'openai/resources/chat/completions';
import { mockCompletion } from '../../shared/llm/mock-completion.js';
import type { DeploymentTarget, ModelRouter } from '../../shared/llm/model-router.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { deploymentFailureLogger } from './model-request.js';

/**
 * Asks a model group for one whole completion (no streaming), with routing, fallbacks and the
 * deployment's `mock_response`: what the tool loop and the Responses API build on.
 */
export function chatCompleter(
  deps: { readonly router: ModelRouter; readonly logger: Logger; readonly metrics: GatewayMetrics },
  model: string,
  signal: AbortSignal,
) {
  return (body: Record<string, unknown>) =>
    deps.router.route(
      model,
      (target) => completeOn(target, model, body, signal),
      deploymentFailureLogger(deps.logger, deps.metrics, model),
    );
}

/** One whole completion from one deployment (its `mock_response` if it has one). */
export async function completeOn(
  target: DeploymentTarget,
  model: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ChatCompletion> {
  if (target.deployment.mockResponse !== undefined)
    return mockCompletion(model, body.messages, target.deployment.mockResponse);
  const upstreamBody: Record<string, unknown> & { model: string } = {
    ...target.deployment.defaults,
    ...body,
    model: target.upstreamModel,
  };
  delete upstreamBody.stream;
  delete upstreamBody.stream_options;
  return target.provider().complete(upstreamBody, signal);
}
