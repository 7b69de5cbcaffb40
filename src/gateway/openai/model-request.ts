import { AppError, messageOf } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { DeploymentFailure, ModelRouter } from '../../shared/llm/model-router.js';
import { toOpenAiErrorResponse } from '../../shared/llm/upstream-error.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { GatewayMetrics } from '../metrics.js';

/** A request body naming a model the router knows; throws a 400 saying what is wrong otherwise. */
export function modelRequestOf(body: unknown, router: ModelRouter): Record<string, unknown> & { model: string } {
  if (!isJsonObject(body)) throw new AppError('invalid_request', 'Request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '')
    throw new AppError('invalid_request', "Missing required parameter: 'model'");
  if (!router.has(body.model)) {
    throw new AppError(
      'invalid_request',
      `Invalid model name passed in model=${body.model}. Known models: ${router.modelNames.join(', ') || '(none configured)'}`,
    );
  }
  return body as Record<string, unknown> & { model: string };
}

/** Counts and logs a deployment that failed; the request may still succeed on another. */
export function deploymentFailureLogger(logger: Logger, metrics: GatewayMetrics, model: string) {
  return ({ deployment, error, willRetry }: DeploymentFailure) => {
    const status = toOpenAiErrorResponse(error, model).status;
    metrics.recordUpstreamFailure(model, status);
    const cause = (error as { cause?: unknown }).cause;
    logger.warn(
      {
        model,
        deployment: deployment.index,
        status,
        err: messageOf(error),
        cause: cause === undefined ? undefined : messageOf(cause),
        fallback: willRetry,
      },
      'model deployment failed',
    );
  };
}
