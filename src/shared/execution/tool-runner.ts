import type { HandlerTarget } from '../plugins/handler-target.js';
import type { ToolIsolation } from './thread-placement.js';
import type { CallOutcome } from './thread-protocol.js';
import type { PoolCallHooks, ToolPool } from './tool-pool.js';

/** What runs a tool: a plugin handler in a pool thread. */
export type ToolTarget = { readonly kind: 'plugin'; readonly handler: HandlerTarget };

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
}

export interface ToolRunner {
  run(run: ToolRun, hooks?: PoolCallHooks): Promise<CallOutcome>;
}

/** Runs calls where their target says. */
export function createToolRunner({ pool }: { pool: ToolPool }): ToolRunner {
  return {
    run: (run, hooks) => pool.run({ ...run, target: run.target.handler }, hooks),
  };
}
