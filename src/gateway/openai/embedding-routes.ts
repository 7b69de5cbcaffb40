import type { KeyGuards } from '../keys/key-guards.js';
import { ROUTE_PATHS } from '../http/route-family.js';
import type { Request, Response, Router } from 'express';
import { AppError } from '../../shared/errors.js';
import type { ModelRouter } from '../../shared/llm/model-router.js';
import { toOpenAiErrorResponse } from '../../shared/llm/upstream-error.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { tokensOf, type ChatRecorder } from './chat-accounting.js';
import { deploymentFailureLogger, modelRequestOf } from './model-request.js';

export interface EmbeddingRoutesDeps {
  readonly router: ModelRouter;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly recordChat: ChatRecorder;
  readonly guards: KeyGuards;
}

/** `POST /v1/embeddings` (and `/embeddings`): OpenAI's embeddings API, routed like chat. */
export function mountEmbeddingRoutes(
  router: Router,
  { router: models, logger, metrics, recordChat, guards }: EmbeddingRoutesDeps,
): void {
  router.post(ROUTE_PATHS.embeddings, guards.modelRequest, async (req: Request, res: Response) => {
    const request = modelRequestOf(req.body, models);
    const input = request.input;
    if (typeof input !== 'string' && !Array.isArray(input))
      throw new AppError('invalid_request', "Missing required parameter: 'input' (a string or an array)");
    const model = request.model;
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const body = await models.route(
        model,
        (target) => {
          if (target.deployment.mockResponse !== undefined)
            throw new AppError(
              'invalid_request',
              `Model ${model} is a mock_response deployment and serves no embeddings`,
            );
          return target.provider().embed({ ...request, model: target.upstreamModel }, controller.signal);
        },
        deploymentFailureLogger(logger, metrics, model),
      );
      recordChat(res, model, 200, tokensOf((body as { usage?: unknown }).usage));
      res.json(body);
    } catch (error) {
      if (controller.signal.aborted) return;
      const { status, body } = toOpenAiErrorResponse(error, model);
      recordChat(res, model, status);
      res.status(status).json(body);
    }
  });
}
