import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { forwardedHeaders } from '../../shared/upstream/forwarded-headers.js';
import type { ForwardedMethod, ForwardedResult } from '../../shared/call/forwarded-request.js';
import type { ToolExecutor } from '../executor/tool-executor.js';
import type { FeatureCapabilities, UpstreamFeatures } from '../tools/upstream-features.js';
import type { ToolView } from '../tools/tool-view.js';
import { requestIdFromHeader } from '../http/request-id.js';
import { pageOf } from './list-paging.js';
import { protocolError, toolCallError } from './protocol-error.js';

/** MCP's code for a resource no server has (2025-11-25, resources). */
const RESOURCE_NOT_FOUND = -32002;

export interface UpstreamHandlerDeps {
  readonly features: UpstreamFeatures;
  readonly executor: ToolExecutor;
  /** The upstream servers by name (built once: a server is created per request on the SDK path). */
  readonly servers: ReadonlyMap<string, UpstreamServerConfig>;
  /** A server's requests end after its `timeout_ms`, or this. */
  readonly defaultTimeoutMs: number;
  readonly logger: Logger;
}

/** The capabilities a session declares for what the upstream servers offer now. */
export function featureCapabilities(capabilities: FeatureCapabilities): ServerCapabilities {
  return {
    ...(capabilities.resources && { resources: { listChanged: true } }),
    ...(capabilities.prompts && { prompts: { listChanged: true } }),
    ...(capabilities.completions && { completions: {} }),
  };
}

/**
 * Serves the upstream servers' resources, resource templates, prompts and completions on a session: lists
 * from their listings, the rest forwarded (through the queue in queue mode) to the server that owns what
 * the request names. Only for the capabilities the session declared.
 */
export function registerUpstreamHandlers(
  server: Server,
  deps: UpstreamHandlerDeps,
  session: { readonly view: ToolView },
  declared: FeatureCapabilities,
): void {
  const { features } = deps;

  const forward = async (
    upstream: string,
    method: ForwardedMethod,
    params: Record<string, unknown>,
    extra: { signal: AbortSignal; requestInfo?: { headers: IncomingHttpHeaders } },
  ) => {
    const config = deps.servers.get(upstream);
    const timeoutMs = config?.timeoutMs ?? deps.defaultTimeoutMs;
    const clientHeaders = extra.requestInfo?.headers;
    const requestId = requestIdFromHeader(clientHeaders?.['x-request-id']);
    const headers = config && forwardedHeaders(config, clientHeaders);
    const started = Date.now();
    let outcome;
    try {
      outcome = await deps.executor.forward(
        {
          server: upstream,
          method,
          params,
          requestId,
          deadline: started + timeoutMs,
          timeoutMs,
          ...(headers && { headers }),
        },
        { signal: extra.signal },
      );
    } catch (error) {
      const { code, message } = toolCallError(error, deps.logger, { tool: `${upstream} ${method}`, requestId });
      throw protocolError(code, message);
    }
    deps.logger.info(
      { server: upstream, method, requestId, ok: outcome.ok, durationMs: Date.now() - started },
      'upstream request',
    );
    if (outcome.ok) return outcome.result as ForwardedResult & Record<string, unknown>;
    const { code, kind, message } = outcome.error;
    throw protocolError(code ?? (kind === 'timeout' ? ErrorCode.RequestTimeout : ErrorCode.InternalError), message);
  };

  if (declared.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, (request) =>
      pageOf('resources', features.resources(session.view), request.params?.cursor),
    );
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (request) =>
      pageOf('resourceTemplates', features.resourceTemplates(session.view), request.params?.cursor),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) => {
      const owner = features.resolveResource(session.view, request.params.uri);
      if (owner === undefined) throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${request.params.uri}`);
      return forward(owner, 'resources/read', request.params, extra);
    });
  }
  if (declared.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, (request) =>
      pageOf('prompts', features.prompts(session.view), request.params?.cursor),
    );
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) => {
      const prompt = features.resolvePrompt(session.view, request.params.name);
      if (prompt === undefined) throw protocolError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      return forward(prompt.server, 'prompts/get', { ...request.params, name: prompt.name }, extra);
    });
  }
  if (declared.completions) {
    server.setRequestHandler(CompleteRequestSchema, (request, extra) => {
      const target = features.resolveCompletion(session.view, request.params.ref);
      if (target === undefined)
        throw protocolError(ErrorCode.InvalidParams, `Nothing to complete for ${JSON.stringify(request.params.ref)}`);
      return forward(target.server, 'completion/complete', { ...request.params, ref: target.ref }, extra);
    });
  }
}
