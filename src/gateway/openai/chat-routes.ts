import type { KeyGuards } from '../keys/key-guards.js';
import { ROUTE_PATHS } from '../http/route-family.js';
import type { Request, Response, Router } from 'express';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { AppError, messageOf } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { mockCompletion, mockCompletionChunks } from '../../shared/llm/mock-completion.js';
import { chatCompleter, completeOn } from './chat-completer.js';
import type { ModelRouter } from '../../shared/llm/model-router.js';
import { toOpenAiErrorResponse } from '../../shared/llm/upstream-error.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { deploymentFailureLogger, modelRequestOf } from './model-request.js';
import { startEventStream, writeEvent } from '../http/sse-writer.js';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { callerOf, mayUseModel, principalOf } from '../keys/principal.js';
import { viewFor as keyView } from '../tools/key-view.js';
import type { TokenCount } from '../keys/key-usage.js';
import { countingTokens, tokensOf, type ChatRecorder } from './chat-accounting.js';
import { requestIdOf } from '../http/request-id.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { ViewResolver } from '../tools/tool-view.js';
import { selectChatTools, type ChatToolSelection } from './mcp-tools.js';
import { completionChunks, runToolLoop, type ToolLoopDeps } from './tool-loop.js';

export interface ChatRoutesDeps {
  readonly router: ModelRouter;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly recordChat: ChatRecorder;
  /** For `type: "mcp"` tools: the tools they name, and the loop that runs their calls. */
  readonly catalog: ToolCatalog;
  readonly viewFor: ViewResolver;
  readonly toolLoop: ToolLoopDeps;
  readonly guards: KeyGuards;
}

/** What one deployment produced: a whole completion, mock chunks, or an upstream stream past its first chunk. */
type ChatAnswer =
  | { readonly kind: 'json'; readonly body: unknown }
  | { readonly kind: 'chunks'; readonly chunks: readonly ChatCompletionChunk[] }
  | {
      readonly kind: 'stream';
      readonly first: IteratorResult<ChatCompletionChunk>;
      readonly rest: AsyncIterator<ChatCompletionChunk>;
    };

function parseChatBody(body: unknown, router: ModelRouter): Record<string, unknown> & { model: string } {
  const request = modelRequestOf(body, router);
  if (!Array.isArray(request.messages))
    throw new AppError('invalid_request', "Missing required parameter: 'messages' (an array)");
  request.messages.forEach((message: unknown, index) => {
    if (!isJsonObject(message) || typeof message.role !== 'string')
      throw new AppError('invalid_request', `Invalid 'messages[${index}]': expected an object with a string 'role'`);
  });
  return request;
}

/** Sends the chunks; returns the tokens the usage chunk (`stream_options.include_usage`) reported. */
async function sendStream(
  res: Response,
  answer: Exclude<ChatAnswer, { kind: 'json' }>,
  model: string,
  logger: Logger,
): Promise<TokenCount | undefined> {
  startEventStream(res);
  let tokens: TokenCount | undefined;
  const send = async (chunk: ChatCompletionChunk) => {
    tokens = tokensOf(chunk.usage) ?? tokens;
    await writeEvent(res, JSON.stringify(chunk));
  };
  if (answer.kind === 'chunks') {
    for (const chunk of answer.chunks) await send(chunk);
  } else {
    try {
      for (let next = answer.first; !next.done; next = await answer.rest.next()) await send(next.value);
    } catch (error) {
      // Chunks already reached the client: no fallback now, the error ends the stream in OpenAI's shape.
      if (res.destroyed) return tokens;
      logger.warn({ model, err: messageOf(error) }, 'upstream stream failed mid-way');
      await writeEvent(res, JSON.stringify(toOpenAiErrorResponse(error, model).body));
      res.end();
      return tokens;
    }
  }
  await writeEvent(res, '[DONE]');
  res.end();
  return tokens;
}

/**
 * A chat request with `type: "mcp"` tools: the gateway runs the loop, asking the model without streaming
 * (so it can see each round's tool calls); a streaming client gets keep-alives meanwhile, then the final
 * completion as chunks.
 */
async function runLoopRequest(
  deps: ChatRoutesDeps,
  res: Response,
  options: {
    request: Record<string, unknown> & { model: string; messages: unknown[] };
    tools: ChatToolSelection;
    streaming: boolean;
    includeUsage: boolean;
    signal: AbortSignal;
    started: number;
  },
): Promise<void> {
  const { request, streaming, signal } = options;
  const { metrics } = deps;
  const model = request.model;
  const counted = countingTokens(chatCompleter(deps, model, signal));
  if (streaming) {
    startEventStream(res);
    keepSseAlive(res);
  }
  let completion: ChatCompletion;
  try {
    completion = await runToolLoop(request, options.tools, counted.complete, deps.toolLoop, {
      requestId: requestIdOf(res),
      signal,
      caller: callerOf(principalOf(res)),
    });
  } catch (error) {
    if (signal.aborted) return;
    const { status, body } = toOpenAiErrorResponse(error, model);
    deps.recordChat(res, model, status, counted.tokens);
    if (!streaming) {
      res.status(status).json(body);
      return;
    }
    await writeEvent(res, JSON.stringify(body));
    res.end();
    return;
  }
  metrics.recordUpstreamLatency(model, (performance.now() - options.started) / 1000);
  deps.recordChat(res, model, 200, counted.tokens);
  if (!streaming) {
    res.json(completion);
    return;
  }
  for (const chunk of completionChunks(completion, options.includeUsage)) await writeEvent(res, JSON.stringify(chunk));
  await writeEvent(res, '[DONE]');
  res.end();
}

/**
 * OpenAI-compatible chat: `POST /v1/chat/completions` routed over `model_list` groups with fallback, and
 * `GET /v1/models`. Bodies pass through unchanged except `model` (the upstream name) and `mock_response`.
 */
export function mountChatRoutes(router: Router, deps: ChatRoutesDeps): void {
  const { router: models, logger, metrics } = deps;
  router.get(ROUTE_PATHS.models, (_req, res) => {
    const visible = models.modelNames.filter((id) => mayUseModel(principalOf(res), id));
    res.json({
      object: 'list',
      data: visible.map((id) => ({ id, object: 'model', created: 0, owned_by: 'toolgate' })),
    });
  });

  router.post(ROUTE_PATHS.chat, deps.guards.modelRequest, async (req: Request, res: Response) => {
    const { mock_response: requestMock, ...request } = parseChatBody(req.body, models);
    const model = request.model;
    const streaming = request.stream === true;
    const includeUsage = (request.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    // A client that goes away aborts the upstream request.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const started = performance.now();
    const tools = selectChatTools(request.tools, deps.catalog, deps.viewFor, (view) => keyView(principalOf(res), view));
    if (tools !== undefined && typeof requestMock !== 'string') {
      await runLoopRequest(deps, res, {
        request: request as typeof request & { messages: unknown[] },
        tools,
        streaming,
        includeUsage,
        signal: controller.signal,
        started,
      });
      return;
    }

    let answer: ChatAnswer;
    try {
      answer = await models.route(
        model,
        async (target): Promise<ChatAnswer> => {
          const mock = typeof requestMock === 'string' ? requestMock : target.deployment.mockResponse;
          if (mock !== undefined) {
            return streaming
              ? { kind: 'chunks', chunks: mockCompletionChunks(model, request.messages, mock, includeUsage) }
              : { kind: 'json', body: mockCompletion(model, request.messages, mock) };
          }
          if (!streaming) return { kind: 'json', body: await completeOn(target, model, request, controller.signal) };
          // A deployment's own parameters (temperature, max_tokens, …) apply where the request sets none.
          const upstreamRequest = { ...target.deployment.defaults, ...request, model: target.upstreamModel };
          const rest = (await target.provider().stream(upstreamRequest, controller.signal))[Symbol.asyncIterator]();
          // Reading the first chunk here keeps failures before it inside the fallback.
          return { kind: 'stream', first: await rest.next(), rest };
        },
        deploymentFailureLogger(logger, metrics, model),
      );
    } catch (error) {
      if (controller.signal.aborted) return;
      const { status, body } = toOpenAiErrorResponse(error, model);
      deps.recordChat(res, model, status);
      res.status(status).json(body);
      return;
    }
    metrics.recordUpstreamLatency(model, (performance.now() - started) / 1000);
    if (answer.kind === 'json') {
      deps.recordChat(res, model, 200, tokensOf((answer.body as { usage?: unknown }).usage));
      res.json(answer.body);
    } else deps.recordChat(res, model, 200, await sendStream(res, answer, model, logger));
  });
}
