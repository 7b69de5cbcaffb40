import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import type { ForwardedMethod, ForwardedResult } from '../../shared/call/forwarded-request.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { forwardedHeaders } from '../../shared/upstream/forwarded-headers.js';
import type { ToolExecutor } from '../executor/tool-executor.js';
import { requestIdFromHeader } from '../http/request-id.js';
import type { UpstreamFeatures } from '../tools/upstream-features.js';
import type { ToolView } from '../tools/tool-view.js';
import { pageOf } from './list-paging.js';
import { protocolError, toolCallError } from './protocol-error.js';

export interface UpstreamHandlerDeps {
  readonly features: UpstreamFeatures;
  readonly executor: ToolExecutor;
  /** The upstream servers by name (built once: a server is created per request on the SDK path). */
  readonly servers: ReadonlyMap<string, UpstreamServerConfig>;
  /** A server's requests end after its `timeout_ms`, or this. */
  readonly defaultTimeoutMs: number;
  readonly logger: Logger;
}

/** What a forwarded request carries of the one the client made. */
export interface ForwardContext {
  readonly signal: AbortSignal;
  readonly headers: IncomingHttpHeaders | undefined;
}

/** A `resources/read` naming no resource any server has: each protocol revision has its own error for it. */
export class ResourceNotFound extends Error {
  constructor(readonly uri: string) {
    super(`Resource not found: ${uri}`);
  }
}

type Params = Record<string, unknown>;

/**
 * The upstream servers' resources, resource templates, prompts and completions as a client with `view`
 * sees them, whatever MCP SDK serves the request: lists from the servers' listings, the rest forwarded
 * (through the queue in queue mode) to the server that owns what the request names. Errors are thrown as
 * `protocolError`s, and `ResourceNotFound`.
 */
export function upstreamRequests(deps: UpstreamHandlerDeps, view: ToolView) {
  const { features } = deps;

  const forward = async (upstream: string, method: ForwardedMethod, params: Params, context: ForwardContext) => {
    const config = deps.servers.get(upstream);
    const timeoutMs = config?.timeoutMs ?? deps.defaultTimeoutMs;
    const requestId = requestIdFromHeader(context.headers?.['x-request-id']);
    const headers = config && forwardedHeaders(config, context.headers);
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
        { signal: context.signal },
      );
    } catch (error) {
      const { code, message } = toolCallError(error, deps.logger, { tool: `${upstream} ${method}`, requestId });
      throw protocolError(code, message);
    }
    deps.logger.info(
      { server: upstream, method, requestId, ok: outcome.ok, durationMs: Date.now() - started },
      'upstream request',
    );
    if (outcome.ok) return outcome.result as ForwardedResult & Params;
    const { code, kind, message } = outcome.error;
    throw protocolError(code ?? (kind === 'timeout' ? ErrorCode.RequestTimeout : ErrorCode.InternalError), message);
  };

  return {
    listResources: (cursor: string | undefined) => pageOf('resources', features.resources(view), cursor),
    listResourceTemplates: (cursor: string | undefined) =>
      pageOf('resourceTemplates', features.resourceTemplates(view), cursor),
    readResource(params: Params & { uri: string }, context: ForwardContext) {
      const owner = features.resolveResource(view, params.uri);
      if (owner === undefined) throw new ResourceNotFound(params.uri);
      return forward(owner, 'resources/read', params, context);
    },
    listPrompts: (cursor: string | undefined) => pageOf('prompts', features.prompts(view), cursor),
    getPrompt(params: Params & { name: string }, context: ForwardContext) {
      const prompt = features.resolvePrompt(view, params.name);
      if (prompt === undefined) throw protocolError(ErrorCode.InvalidParams, `Unknown prompt: ${params.name}`);
      return forward(prompt.server, 'prompts/get', { ...params, name: prompt.name }, context);
    },
    complete(params: Params & { ref: Parameters<UpstreamFeatures['resolveCompletion']>[1] }, context: ForwardContext) {
      const target = features.resolveCompletion(view, params.ref);
      if (target === undefined)
        throw protocolError(ErrorCode.InvalidParams, `Nothing to complete for ${JSON.stringify(params.ref)}`);
      return forward(target.server, 'completion/complete', { ...params, ref: target.ref }, context);
    },
  };
}
