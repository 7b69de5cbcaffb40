import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { FeatureCapabilities } from '../tools/upstream-features.js';
import type { ToolView } from '../tools/tool-view.js';
import { protocolError } from './protocol-error.js';
import { ResourceNotFound, upstreamRequests, type UpstreamHandlerDeps } from './upstream-requests.js';

export type { UpstreamHandlerDeps } from './upstream-requests.js';

/** MCP's code for a resource no server has (2025-11-25, resources). */
const RESOURCE_NOT_FOUND = -32002;

/** The capabilities a session declares for what the upstream servers offer now. */
export function featureCapabilities(capabilities: FeatureCapabilities): ServerCapabilities {
  return {
    ...(capabilities.resources && { resources: { listChanged: true } }),
    ...(capabilities.prompts && { prompts: { listChanged: true } }),
    ...(capabilities.completions && { completions: {} }),
  };
}

/**
 * Serves the upstream servers' resources, resource templates, prompts and completions on a 2025-era
 * session (`upstreamRequests`), for the capabilities the session declared.
 */
export function registerUpstreamHandlers(
  server: Server,
  deps: UpstreamHandlerDeps,
  session: { readonly view: ToolView },
  declared: FeatureCapabilities,
): void {
  const requests = upstreamRequests(deps, session.view);
  const contextOf = (extra: { signal: AbortSignal; requestInfo?: { headers: IncomingHttpHeaders } }) => ({
    signal: extra.signal,
    headers: extra.requestInfo?.headers,
  });

  if (declared.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, (request) => requests.listResources(request.params?.cursor));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (request) =>
      requests.listResourceTemplates(request.params?.cursor),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) => {
      try {
        return requests.readResource(request.params, contextOf(extra));
      } catch (error) {
        if (error instanceof ResourceNotFound) throw protocolError(RESOURCE_NOT_FOUND, error.message);
        throw error;
      }
    });
  }
  if (declared.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, (request) => requests.listPrompts(request.params?.cursor));
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
      requests.getPrompt(request.params, contextOf(extra)),
    );
  }
  if (declared.completions) {
    server.setRequestHandler(CompleteRequestSchema, (request, extra) =>
      requests.complete(request.params, contextOf(extra)),
    );
  }
}
