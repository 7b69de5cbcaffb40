import type { HandlerTarget } from '../plugins/handler-target.js';
import type { ForwardedResult, UpstreamRequest } from '../upstream/forwarded-request.js';
import type { UpstreamServers } from '../upstream/upstream-servers.js';
import type { ToolIsolation } from './thread-placement.js';
import type { CallOutcome } from './thread-protocol.js';
import type { PoolCallHooks, ToolPool } from './tool-pool.js';

/** What runs a tool: a plugin handler in a pool thread, or a tool of an upstream MCP server. */
export type ToolTarget =
  | { readonly kind: 'plugin'; readonly handler: HandlerTarget }
  /** `tool` is the upstream's own name for it. */
  | { readonly kind: 'upstream'; readonly server: string; readonly tool: string };

/** One call, as an executor hands it to a runner: the same in embedded mode and on a worker. */
export interface ToolRun {
  readonly tool: string;
  readonly target: ToolTarget;
  readonly isolation: ToolIsolation;
  /** `max_concurrency`: enforced per process. */
  readonly maxConcurrency: number | undefined;
  readonly args: Record<string, unknown>;
  readonly requestId: string;
  /** Epoch milliseconds (gateway clock). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** For an upstream tool: client headers its server gets with the call. */
  readonly headers?: Record<string, string>;
}

export interface ToolRunner {
  run(run: ToolRun, hooks?: PoolCallHooks): Promise<CallOutcome>;
  /** Passes an MCP request to the upstream server it names. */
  forward(request: UpstreamRequest, signal?: AbortSignal): Promise<CallOutcome<ForwardedResult>>;
}

/**
 * Runs calls where their target says: plugins in the thread pool; upstream tools on this process's event
 * loop (they are I/O and never wait behind plugin threads, SPEC §3a).
 */
export function createToolRunner({ pool, upstreams }: { pool: ToolPool; upstreams: UpstreamServers }): ToolRunner {
  return {
    run(run, hooks) {
      const { target } = run;
      if (target.kind === 'plugin') return pool.run({ ...run, target: target.handler }, hooks);
      return upstreams.call(
        target.server,
        { tool: target.tool, args: run.args, deadline: run.deadline, timeoutMs: run.timeoutMs, headers: run.headers },
        hooks,
      );
    },
    forward: (request, signal) => upstreams.request(request, signal),
  };
}
