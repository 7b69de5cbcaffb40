import { AppError } from '../../shared/errors.js';
import type { ToolPool } from '../../shared/execution/tool-pool.js';
import type { ToolExecutor } from './tool-executor.js';

export interface EmbeddedExecutorOptions {
  readonly pool: ToolPool;
  /** Calls waiting for or holding a thread beyond which new calls are refused (`max_queue_depth`). */
  readonly maxQueueDepth: number;
}

/** Runs tools in this process's thread pool: the default when no `REDIS_URL` is set. */
export function createEmbeddedExecutor({ pool, maxQueueDepth }: EmbeddedExecutorOptions): ToolExecutor {
  let inFlight = 0;
  return {
    mode: 'embedded',
    async execute(execution, hooks) {
      if (inFlight >= maxQueueDepth) {
        throw new AppError('unavailable', `Too many tool calls in flight (max_queue_depth ${maxQueueDepth}); retry shortly`, { retryAfterSeconds: 1 });
      }
      inFlight += 1;
      try {
        const { tool } = execution;
        return await pool.run(
          {
            tool: tool.name,
            isolation: tool.isolation,
            maxConcurrency: tool.maxConcurrency,
            target: tool.target,
            args: execution.args,
            requestId: execution.requestId,
            deadline: execution.deadline,
            timeoutMs: tool.timeoutMs,
          },
          hooks,
        );
      } finally {
        inFlight -= 1;
      }
    },
    readiness: async () => ({ ready: true, detail: { mode: 'embedded', inFlight } }),
    canDeliverResults: () => true,
    close: () => pool.close(),
  };
}
