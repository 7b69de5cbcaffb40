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
  const counted = async <Result>(run: () => Promise<Result>): Promise<Result> => {
    if (inFlight >= maxQueueDepth) {
      throw new AppError(
        'unavailable',
        `Too many tool calls in flight (max_queue_depth ${maxQueueDepth}); retry shortly`,
        { retryAfterSeconds: 1 },
      );
    }
    inFlight += 1;
    try {
      return await run();
    } finally {
      inFlight -= 1;
    }
  };
  return {
    mode: 'embedded',
    execute: (execution, hooks) => counted(() => runner.run(toolRunOf(execution), hooks)),
    forward: (request, hooks) => counted(() => runner.forward(request, hooks?.signal)),
    readiness: async () => ({ ready: true, detail: { mode: 'embedded', inFlight } }),
    canDeliverResults: () => true,
    recoverOutcome: async () => undefined,
    close,
  };
}
