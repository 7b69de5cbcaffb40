import type { Request, Response, Router } from 'express';
import type { ChatCompletion, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { AppError } from '../../shared/errors.js';
import { isJsonObject } from '../../shared/json-object.js';
import { mockCompletion } from '../../shared/llm/mock-completion.js';
import { toOpenAiErrorResponse } from '../../shared/llm/upstream-error.js';
import { keepSseAlive } from '../http/sse-keepalive.js';
import { requestIdOf } from '../http/request-id.js';
import { chatCompleter, type ChatRoutesDeps } from './chat-routes.js';
import { selectChatTools } from './mcp-tools.js';
import { modelRequestOf } from './model-request.js';
import type { ResponseStore } from './response-store.js';
import { chatRequestOf, responseEvents, responseOf } from './responses-translation.js';
import { startEventStream } from './sse-writer.js';
import { runToolLoop } from './tool-loop.js';

export interface ResponsesRoutesDeps extends ChatRoutesDeps {
  readonly responses: ResponseStore;
}

/** The label `mcp_list_tools` and `mcp_call` items carry: the first MCP entry's `server_label`. */
function serverLabel(tools: unknown): string {
  const entry = Array.isArray(tools) ? tools.find((tool) => isJsonObject(tool) && tool.type === 'mcp') : undefined;
  return isJsonObject(entry) && typeof entry.server_label === 'string' ? entry.server_label : 'toolgate';
}

/**
 * The OpenAI Responses API, `POST /v1/responses` (and `/responses`), on any model in `model_list`: the
 * request is translated onto chat completions, `type: "mcp"` tools run in the same tool loop as chat's,
 * and the answer comes back as a response object, or (`stream: true`) as the Responses event stream.
 * `previous_response_id` continues a conversation kept for `response_retention_ms`.
 */
export function mountResponsesRoutes(router: Router, deps: ResponsesRoutesDeps): void {
  router.post(['/v1/responses', '/responses'], async (req: Request, res: Response) => {
    const body = modelRequestOf(req.body, deps.router);
    const model = body.model;
    let history: ChatCompletionMessageParam[] = [];
    if (body.previous_response_id !== undefined) {
      if (typeof body.previous_response_id !== 'string') throw new AppError('invalid_request', 'previous_response_id must be a string');
      const earlier = await deps.responses.load(body.previous_response_id);
      if (!earlier) throw new AppError('not_found', `Response ${body.previous_response_id} not found (responses are kept for response_retention_ms)`);
      history = earlier;
    }
    const request = chatRequestOf(body, history);
    const tools = selectChatTools(request.tools, deps.catalog, deps.viewFor);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const streaming = body.stream === true;
    if (streaming) {
      startEventStream(res);
      keepSseAlive(res);
    }

    let completion: ChatCompletion;
    try {
      const complete = chatCompleter(deps, model, controller.signal);
      if (typeof body.mock_response === 'string') completion = mockCompletion(model, request.messages, body.mock_response);
      else if (tools) completion = await runToolLoop(request, tools, complete, deps.toolLoop, { requestId: requestIdOf(res), signal: controller.signal });
      else completion = await complete(request);
    } catch (error) {
      if (controller.signal.aborted) return;
      const { status, body: errorBody } = toOpenAiErrorResponse(error, model);
      deps.metrics.recordChatRequest(model, status);
      if (!streaming) {
        res.status(status).json(errorBody);
        return;
      }
      const { message, code } = errorBody.error as { message: string; code?: unknown };
      res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', message, code: code ?? null, param: null, sequence_number: 0 })}\n\n`);
      res.end();
      return;
    }
    deps.metrics.recordChatRequest(model, 200);

    const mcpTools = tools ? [...tools.mcp.values()].map(({ name }) => deps.catalog.get(name)).filter((tool) => tool !== undefined) : [];
    const response = responseOf(completion, { request: body, tools, mcpTools, label: serverLabel(body.tools) });
    // The conversation so far, for a request that continues it: without this request's instructions,
    // which (as in OpenAI's API) do not carry over.
    const answer = completion.choices[0]?.message;
    const withoutInstructions = typeof body.instructions === 'string' ? request.messages.slice(1) : request.messages;
    if (answer) await deps.responses.save(response.id, [...withoutInstructions, { role: 'assistant', content: answer.content, ...(answer.tool_calls && { tool_calls: answer.tool_calls }) }]);

    if (!streaming) {
      res.json(response);
      return;
    }
    for (const event of responseEvents(response)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    res.end();
  });
}
