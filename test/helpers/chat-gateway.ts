import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import type { SpawnedProcess } from './gateway-process.js';
import { startMockUpstream, type MockUpstream, type UpstreamBehaviour } from './mock-upstream.js';
import { startGatewayInMode } from './queue-cluster.js';

export interface ChatGateway {
  /** The mock model, with the requests the gateway sent it. */
  readonly upstream: MockUpstream;
  /** The real openai client, pointed at the gateway. */
  readonly openai: OpenAI;
}

/**
 * For the describe block it is called in: a mock model answering with `answer`, and a gateway on the
 * config `configFor` writes for the model's URL, embedded or (with `redisUrl`) in queue mode with one
 * worker. Started before the block's tests and stopped after them.
 */
export function useChatGateway(
  answer: (path: string, body: Record<string, unknown>) => UpstreamBehaviour,
  configFor: (upstreamUrl: string) => string,
  redisUrl: string | undefined,
): ChatGateway {
  let upstream: MockUpstream | undefined;
  let openai: OpenAI | undefined;
  let processes: SpawnedProcess[] = [];
  beforeAll(async () => {
    upstream = await startMockUpstream(answer);
    const started = await startGatewayInMode(configFor(upstream.url), redisUrl);
    processes = started.processes;
    openai = new OpenAI({ baseURL: `${started.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await Promise.all(processes.map((each) => each.stop()));
    await upstream?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the chat gateway is not started yet (use it inside a test)');
    return value;
  };
  return {
    get upstream() {
      return started(upstream);
    },
    get openai() {
      return started(openai);
    },
  };
}
