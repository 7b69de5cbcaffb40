import type { CallHooks, ToolRun } from '../call/tool-run.js';
import type { ForwardedResult, UpstreamRequest } from '../call/forwarded-request.js';
import type { UpstreamServers } from '../upstream/upstream-servers.js';
import type { CallOutcome } from '../call/call-outcome.js';
import type { ToolPool } from './pool-contract.js';

export interface ToolRunner {
  run(run: ToolRun, hooks?: CallHooks): Promise<CallOutcome>;
  /** Passes an MCP request to the upstream server it names. */
  forward(request: UpstreamRequest, signal?: AbortSignal): Promise<CallOutcome<ForwardedResult>>;
}

/**
 * Runs calls where their target says: plugins in the thread pool; upstream tools on this process's event
 * loop (they are I/O and never wait behind plugin threads).
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
