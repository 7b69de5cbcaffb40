import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  FIXTURE_PLUGINS,
  ROOT,
  spawnToolgate,
  startGateway,
  type SpawnedGateway,
  type SpawnedProcess,
} from './gateway-process.js';

export const QUEUE_CONFIG = join(ROOT, 'test/fixtures/config.queue.yaml');

/** Environment for queue mode on a Redis, with a key prefix of its own. */
export function queueEnv(redisUrl: string, prefix = `test-${randomUUID().slice(0, 8)}`): Record<string, string> {
  return { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, PLUGINS_DIR: FIXTURE_PLUGINS, WORKER_THREADS: '2' };
}

export async function startWorker(env: Record<string, string>, config = QUEUE_CONFIG): Promise<SpawnedProcess> {
  const worker = spawnToolgate(['worker', '--config', config], env);
  await worker
    .waitForLog((line) => line.msg === 'toolgate worker ready')
    .catch(async (error: unknown) => {
      await worker.stop('SIGKILL');
      throw error;
    });
  return worker;
}

export async function startQueueGateway(env: Record<string, string>, config = QUEUE_CONFIG): Promise<SpawnedGateway> {
  return startGateway({ config, env });
}

/** Polls readiness until the gateway sees `count` live workers. */
export async function waitForWorkers(gateway: SpawnedGateway, count: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(new URL('/health/readiness', gateway.url))).json()) as { workers?: number };
    if (body.workers === count) return;
    if (Date.now() > until) throw new Error(`gateway saw ${body.workers} workers, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A gateway on `config`, embedded, or in queue mode (`redisUrl` given) with one worker it already sees.
 * `processes` are what to stop afterwards.
 */
export async function startGatewayInMode(
  config: string,
  redisUrl: string | undefined,
): Promise<{ gateway: SpawnedGateway; processes: SpawnedProcess[] }> {
  if (redisUrl === undefined) {
    const gateway = await startGateway({ config });
    return { gateway, processes: [gateway] };
  }
  const env = queueEnv(redisUrl);
  const gateway = await startQueueGateway(env, config);
  const processes = [gateway, await startWorker(env, config)];
  await waitForWorkers(gateway, 1);
  return { gateway, processes };
}
