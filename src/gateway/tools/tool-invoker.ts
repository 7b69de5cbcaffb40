import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamServerConfig } from '../../shared/config/mcp-servers.js';
import { AppError } from '../../shared/errors.js';
import { forwardedHeaders } from '../../shared/upstream/forwarded-headers.js';
import { isJsonObject } from '../../shared/json-object.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { toolErrorResult, type CallToolResult } from '../../shared/call/tool-result.js';
import type { CallEvent } from '../../shared/call/call-event.js';
import type { CallOutcome } from '../../shared/call/call-outcome.js';
import type { ToolLogLevel } from '../../shared/plugins/plugin-contract.js';
import type { ExecutionHooks, ToolExecution, ToolExecutor } from '../executor/tool-executor.js';
import type { VirtualKey } from '../keys/key-store.js';
import { inSpan } from '../../shared/telemetry/tracing.js';
import { outcomeLabel, type CallOutcomeLabel } from '../../shared/call/outcome-label.js';
import type { ToolCatalog } from './tool-catalog.js';
import type { ToolView } from './tool-view.js';

export interface InvokeOptions extends ExecutionHooks {
  readonly requestId: string;
  /** What the caller may see and call, under its names; everything by default. */
  readonly view?: ToolView;
  /** When the gateway received the call; the deadline counts from here. Defaults to now. */
  readonly receivedAt?: number;
  /** The request's headers: an upstream tool's server may be configured to get some of them. */
  readonly clientHeaders?: IncomingHttpHeaders;
  /** The virtual key the call came with, whose usage it counts to. */
  readonly caller?: VirtualKey;
}

/** A finished call, for metrics and key usage; `server` names an upstream tool's MCP server. */
export interface FinishedCall {
  readonly tool: string;
  readonly outcome: CallOutcomeLabel;
  readonly seconds: number;
  readonly server: string | undefined;
  readonly caller: VirtualKey | undefined;
  /** Queue mode: the worker that ran it, and how long it waited on the queue first. */
  readonly workerId: string | undefined;
  readonly queuedMs: number | undefined;
  /** Its trace, with tracing on. */
  readonly traceId: string | undefined;
}

export interface ToolInvoker {
  /**
   * Validates and runs a call. Throws `AppError('unknown_tool')` for an unknown tool and
   * `AppError('unavailable')` under backpressure; every failure inside the tool is an `isError` result.
   */
  invoke(name: string, rawArgs: unknown, options: InvokeOptions): Promise<CallToolResult>;
  /** Calls running now, on this gateway's side (queued or executing). */
  readonly running: number;
  /** Refuses new calls and resolves when the running ones have finished, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

export interface ToolInvokerDeps {
  readonly catalog: ToolCatalog;
  readonly executor: ToolExecutor;
  readonly logger: Logger;
  /** The upstream servers, for the client headers each gets. */
  readonly upstreamServers?: readonly UpstreamServerConfig[];
  readonly onCallFinished?: (call: FinishedCall) => void;
}

/** pino's method for each MCP log level. */
const LOG_METHOD = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
} as const satisfies Record<ToolLogLevel, string>;

/** What the client gets for an outcome: the tool's result, or an `isError` result saying what failed. */
export function resultOf(outcome: CallOutcome): CallToolResult {
  return outcome.ok ? outcome.result : toolErrorResult(outcome.error.message);
}

/** The one path every tool call takes, whatever route it came in on. */
export function createToolInvoker({
  catalog,
  executor,
  logger,
  upstreamServers = [],
  onCallFinished,
}: ToolInvokerDeps): ToolInvoker {
  const serversByName = new Map(upstreamServers.map((server) => [server.name, server]));
  let running = 0;
  let draining = false;
  let onIdle: (() => void) | undefined;

  const run = async (execution: ToolExecution, hooks: ExecutionHooks): Promise<CallOutcome> => {
    running += 1;
    try {
      return await executor.execute(execution, hooks);
    } finally {
      running -= 1;
      if (running === 0) onIdle?.();
    }
  };

  return {
    get running() {
      return running;
    },
    async drain(timeoutMs) {
      draining = true;
      if (running === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },

    async invoke(requestedName, rawArgs, options) {
      const name = options.view ? options.view.resolve(catalog, requestedName) : requestedName;
      const tool = name === undefined ? undefined : catalog.get(name);
      if (!tool || name === undefined) throw new AppError('unknown_tool', `Unknown tool: ${requestedName}`);
      if (draining) throw new AppError('unavailable', 'The gateway is shutting down', { retryAfterSeconds: 1 });
      const server = tool.target.kind === 'upstream' ? tool.target.server : undefined;
      const describe = () => ({
        name: `tools/call ${name}`,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': name,
          ...(server !== undefined && { 'toolgate.upstream.server': server }),
        },
      });
      return inSpan(describe, async (span) => {
        const receivedAt = options.receivedAt ?? Date.now();
        let started: { workerId: string; queuedMs: number } | undefined;
        const finished = (outcome: CallOutcomeLabel, result: CallToolResult) => {
          const seconds = (Date.now() - receivedAt) / 1000;
          logger.info(
            { tool: name, requestId: options.requestId, outcome, durationMs: Math.round(seconds * 1000) },
            'tool call',
          );
          span?.setAttribute('toolgate.tool.outcome', outcome);
          onCallFinished?.({
            tool: name,
            outcome,
            seconds,
            server,
            caller: options.caller,
            workerId: started?.workerId,
            queuedMs: started?.queuedMs,
            traceId: span?.spanContext().traceId,
          });
          return result;
        };

        const args = rawArgs ?? {};
        if (!isJsonObject(args))
          return finished(
            'invalid_arguments',
            toolErrorResult(`Invalid arguments for tool ${name}: arguments must be an object`),
          );
        const problem = tool.validate(args);
        if (problem !== undefined)
          return finished('invalid_arguments', toolErrorResult(`Invalid arguments for tool ${name}: ${problem}`));

        // A tool's ctx.log lines go to our log whatever route the call came in on; the route may also
        // forward them to its client.
        const onEvent = (event: CallEvent) => {
          if (event.type === 'log')
            logger[LOG_METHOD[event.level]]({ tool: name, requestId: options.requestId, data: event.data }, 'tool log');
          options.onEvent?.(event);
        };
        const serverConfig = server === undefined ? undefined : serversByName.get(server);
        const headers = serverConfig && forwardedHeaders(serverConfig, options.clientHeaders);
        const onStarted = (start: { workerId: string; queuedMs: number }) => {
          started = start;
        };
        const outcome = await run(
          { tool, args, requestId: options.requestId, deadline: receivedAt + tool.timeoutMs, headers },
          { signal: options.signal, onEvent, onQueued: options.onQueued, onStarted },
        );
        return finished(outcomeLabel(outcome), resultOf(outcome));
      });
    },
  };
}
