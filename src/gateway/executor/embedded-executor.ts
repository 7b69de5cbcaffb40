import { AppError } from '../../shared/errors.js';
import type { ToolRunner } from '../../shared/execution/tool-runner.js';
import { toolRunOf, type ToolExecutor } from './tool-executor.js';

export interface EmbeddedExecutorOptions {
  readonly runner: ToolRunner;
  /** Closes what the runner runs on (the thread pool). */
  readonly close: () => Promise<void>;
  /** Calls waiting for or holding a thread beyond which new calls are refused (`max_queue_depth`). */
  readonly maxQueueDepth: number;
}

/** Runs tools in this process (its thread pool): the default when no `REDIS_URL` is set. */
export function createEmbeddedExecutor({ runner, close, maxQueueDepth }: EmbeddedExecutorOptions): ToolExecutor {
  let inFlight = 0;
  return {
    mode: 'embedded',
    async execute(execution, hooks) {
      if (inFlight >= maxQueueDepth) {
        throw new AppError('unavailable', `Too many tool calls in flight (max_queue_depth ${maxQueueDepth}); retry shortly`, { retryAfterSeconds: 1 });
      }
      inFlight += 1;
      try {
        return await runner.run(toolRunOf(execution), hooks);
      } finally {
        inFlight -= 1;
      }
    },
    readiness: async () => ({ ready: true, detail: { mode: 'embedded', inFlight } }),
    canDeliverResults: () => true,
    close,
  };
}
