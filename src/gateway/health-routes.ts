import type { Router } from 'express';
import type { ToolExecutor } from './executor/tool-executor.js';

/** Liveness (the process answers) and readiness (it can run tools: Redis and live workers in queue mode). */
export function mountHealthRoutes(router: Router, executor: ToolExecutor): void {
  router.get(['/health/liveliness', '/health/liveness'], (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/readiness', async (_req, res) => {
    const readiness = await executor.readiness();
    res
      .status(readiness.ready ? 200 : 503)
      .json({ status: readiness.ready ? 'ok' : 'unavailable', ...readiness.detail });
  });
}
