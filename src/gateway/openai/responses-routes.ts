import { ROUTE_PATHS } from '../http/route-family.js';
import type { Request, Response, Router } from 'express';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { mockCompletion } from '../../shared/llm/mock-completion.js';
import { toOpenAiErrorResponse } from '../../shared/llm/upstream-error.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { requestIdOf } from '../http/request-id.js';
import { chatCompleter, completeOn } from './chat-completer.js';
import type { ChatRoutesDeps } from './chat-routes.js';
import { selectChatTools } from './mcp-tools.js';
import { callerOf, principalId, principalOf } from '../keys/principal.js';
import { viewFor as keyView } from '../tools/key-view.js';
import type { TokenCount } from '../keys/key-usage.js';
import { countingTokens, tokensOf } from './chat-accounting.js';
import { deploymentFailureLogger, modelRequestOf } from './model-request.js';
import type { ResponseStore } from './response-store.js';
import { chatRequestOf, responseEvents, responseOf } from './responses-translation.js';
import { startEventStream, writeEvent } from '../http/sse-writer.js';
import { runToolLoop } from './tool-loop.js';
import { answerApprovals } from './mcp-approvals.js';

export interface ResponsesRoutesDeps extends ChatRoutesDeps {
  readonly responses: ResponseStore;
}

/** What one deployment produced: a chat completion to translate back, or the upstream's own response or events. */
type ResponsesAnswer =
  | { readonly kind: 'completion'; readonly completion: ChatCompletion }
  | { readonly kind: 'native'; readonly body: unknown }
  | {
      readonly kind: 'events';
      readonly first: IteratorResult<{ type: string }>;
      readonly rest: AsyncIterator<{ type: string }>;
    };

/** The label `mcp_list_tools` and `mcp_call` items carry: the first MCP entry's `server_label`. */
function serverLabel(tools: unknown): string {
  const entry = Array.isArray(tools) ? tools.find((tool) => isJsonObject(tool) && tool.type === 'mcp') : undefined;
  return isJsonObject(entry) && typeof entry.server_label === 'string' ? entry.server_label : 'toolgate';
}

/**
 * The OpenAI Responses API, `POST /v1/responses` (and `/responses`), on any model in `model_list`: passed
 * through to a deployment that serves it (`responses_api`, or OpenAI's own endpoint) when the gateway has
 * nothing to add; otherwise translated onto chat completions, with `type: "mcp"` tools run in the same
 * tool loop as chat's, the answer coming back as a response object, or (`stream: true`) as the Responses
 * event stream. `previous_response_id` continues a conversation kept for `response_retention_ms`.
 */
export function mountResponsesRoutes(router: Router, deps: ResponsesRoutesDeps): void {
  router.post(ROUTE_PATHS.responses, deps.guards.modelRequest, async (req: Request, res: Response) => {
    const body = modelRequestOf(req.body, deps.router);
    const model = body.model;
    // A previous response of ours continues here; any other id is left to an upstream that keeps its own.
    const earlier =
      typeof body.previous_response_id === 'string'
        ? await deps.responses.load(body.previous_response_id, principalId(principalOf(res)))
        : undefined;
    if (body.previous_response_id !== undefined && typeof body.previous_response_id !== 'string')
      throw new AppError('invalid_request', 'previous_response_id must be a string');
    const request = chatRequestOf(body, earlier ?? []);
    const tools = selectChatTools(request.tools, deps.catalog, deps.viewFor, (view) => keyView(principalOf(res), view));
    const foreignPrevious = body.previous_response_id !== undefined && earlier === undefined;
    const mayPassThrough = tools === undefined && earlier === undefined && typeof body.mock_response !== 'string';
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const { signal } = controller;
    // Calls the previous response asked approval for, answered now: run (approved) or refused.
    const call = { requestId: requestIdOf(res), signal, caller: callerOf(principalOf(res)) };
    const approvals = await answerApprovals(body.input, earlier ?? [], tools, deps.toolLoop, call);
    request.messages.push(...approvals.messages);
    const streaming = body.stream === true;
    if (streaming) {
      startEventStream(res);
      keepSseAlive(res);
    }

    // The tool loop's rounds, each counted; a single completion or an upstream response says its own.
    const counted = countingTokens(chatCompleter(deps, model, signal));
    let answer: ResponsesAnswer;
    try {
      if (typeof body.mock_response === 'string')
        answer = { kind: 'completion', completion: mockCompletion(model, request.messages, body.mock_response) };
      else if (tools)
        answer = {
          kind: 'completion',
          completion: await runToolLoop(request, tools, counted.complete, deps.toolLoop, call),
        };
      else {
        answer = await deps.router.route(
          model,
          async (target): Promise<ResponsesAnswer> => {
            const native =
              target.deployment.servesResponses && target.deployment.mockResponse === undefined
                ? target.provider().responses
                : undefined;
            if (mayPassThrough && native) {
              const { mock_response: _mock, ...passed } = body;
              const upstreamBody = { ...passed, model: target.upstreamModel };
              if (!streaming) return { kind: 'native', body: await native.create(upstreamBody, signal) };
              const rest = (await native.stream(upstreamBody, signal))[Symbol.asyncIterator]();
              return { kind: 'events', first: await rest.next(), rest };
            }
            if (foreignPrevious)
              throw new AppError(
                'not_found',
                `Response ${String(body.previous_response_id)} not found (responses are kept for response_retention_ms)`,
              );
            return { kind: 'completion', completion: await completeOn(target, model, request, signal) };
          },
          deploymentFailureLogger(deps.logger, deps.metrics, model),
        );
      }
    } catch (error) {
      if (signal.aborted) return;
      const { status, body: errorBody } = toOpenAiErrorResponse(error, model);
      deps.recordChat(res, model, status, counted.tokens);
      if (!streaming) {
        res.status(status).json(errorBody);
        return;
      }
      const { message, code } = errorBody.error as { message: string; code?: unknown };
      await writeEvent(
        res,
        JSON.stringify({ type: 'error', message, code: code ?? null, param: null, sequence_number: 0 }),
        { event: 'error' },
      );
      res.end();
      return;
    }
    if (answer.kind === 'native') {
      deps.recordChat(res, model, 200, tokensOf((answer.body as { usage?: unknown }).usage));
      res.json(answer.body);
      return;
    }
    if (answer.kind === 'events') {
      let tokens: TokenCount | undefined;
      for (let next = answer.first; !next.done && !res.destroyed; next = await answer.rest.next()) {
        if (next.value.type === 'response.completed')
          tokens = tokensOf((next.value as { response?: { usage?: unknown } }).response?.usage);
        await writeEvent(res, JSON.stringify(next.value), { event: next.value.type });
      }
      deps.recordChat(res, model, 200, tokens);
      res.end();
      return;
    }
    const { completion } = answer;
    deps.recordChat(res, model, 200, counted.tokens ?? tokensOf(completion.usage));

    const mcpTools = tools
      ? [...tools.mcp.values()].map(({ name }) => deps.catalog.get(name)).filter((tool) => tool !== undefined)
      : [];
    const response = responseOf(completion, {
      request: body,
      tools,
      mcpTools,
      label: serverLabel(body.tools),
      approved: approvals.ran,
    });
    // The conversation so far, for a request that continues it: without this request's instructions,
    // which (as in OpenAI's API) do not carry over.
    const reply = completion.choices[0]?.message;
    const withoutInstructions = typeof body.instructions === 'string' ? request.messages.slice(1) : request.messages;
    if (reply)
      await deps.responses.save(response.id, principalId(principalOf(res)), [
        ...withoutInstructions,
        { role: 'assistant', content: reply.content, ...(reply.tool_calls && { tool_calls: reply.tool_calls }) },
      ]);

    if (!streaming) {
      res.json(response);
      return;
    }
    for (const event of responseEvents(response)) await writeEvent(res, JSON.stringify(event), { event: event.type });
    res.end();
  });
}
