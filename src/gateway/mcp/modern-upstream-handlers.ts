import type { IncomingHttpHeaders } from 'node:http';
import {
  ProtocolError,
  ResourceNotFoundError,
  type CompleteResult,
  type GetPromptResult,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ReadResourceResult,
  type Server,
} from '@modelcontextprotocol/server';
import type { FeatureCapabilities } from '../tools/upstream-features.js';
import type { ToolView } from '../tools/tool-view.js';
import { ResourceNotFound, upstreamRequests, type UpstreamHandlerDeps } from './upstream-requests.js';

/**
 * The SDK v2's error for one of ours: a resource no server has is -32602 with its URI (2026-07-28), and a
 * `protocolError` keeps its code and message.
 */
async function answered<Result>(answer: () => Result | Promise<Result>): Promise<Result> {
  try {
    return await answer();
  } catch (error) {
    if (error instanceof ResourceNotFound) throw new ResourceNotFoundError(error.uri);
    const { code, message } = error as { code?: unknown; message?: string };
    if (typeof code === 'number') throw new ProtocolError(code, message ?? 'Request failed');
    throw error;
  }
}

/**
 * Serves the upstream servers' resources, resource templates, prompts and completions to a 2026-07-28
 * request (`upstreamRequests`), for what they offer now. The v2 types spell the lists' JSON more
 * narrowly than the listings the servers gave: what they listed passes through as it came.
 */
export function registerModernUpstreamHandlers(
  server: Server,
  deps: UpstreamHandlerDeps,
  view: ToolView,
  offered: FeatureCapabilities,
  headers: IncomingHttpHeaders,
): void {
  const requests = upstreamRequests(deps, view);
  const contextOf = (ctx: { mcpReq: { signal: AbortSignal } }) => ({ signal: ctx.mcpReq.signal, headers });

  if (offered.resources) {
    server.setRequestHandler(
      'resources/list',
      (request) => requests.listResources(request.params?.cursor) as ListResourcesResult,
    );
    server.setRequestHandler(
      'resources/templates/list',
      (request) => requests.listResourceTemplates(request.params?.cursor) as ListResourceTemplatesResult,
    );
    server.setRequestHandler('resources/read', (request, ctx) =>
      answered(() => requests.readResource(request.params, contextOf(ctx)) as Promise<ReadResourceResult>),
    );
  }
  if (offered.prompts) {
    server.setRequestHandler(
      'prompts/list',
      (request) => requests.listPrompts(request.params?.cursor) as ListPromptsResult,
    );
    server.setRequestHandler('prompts/get', (request, ctx) =>
      answered(() => requests.getPrompt(request.params, contextOf(ctx)) as Promise<GetPromptResult>),
    );
  }
  if (offered.completions) {
    server.setRequestHandler('completion/complete', (request, ctx) =>
      answered(() => requests.complete(request.params, contextOf(ctx)) as Promise<CompleteResult>),
    );
  }
}
