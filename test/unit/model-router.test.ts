import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { deployment } from '../helpers/deployments.js';
import { DEFAULT_ROUTING, type RoutingSettings } from '../../src/shared/config/routing-settings.js';
import { createModelRouter, type DeploymentTarget } from '../../src/shared/llm/model-router.js';

const serverError = () => APIError.generate(500, { message: 'down' }, 'down', new Headers());

/** Routes `count` requests, answering with each target's index; `fails` says which indexes fail. */
async function routeMany(
  router: ReturnType<typeof createModelRouter>,
  model: string,
  count: number,
  fails: (index: number) => boolean = () => false,
) {
  const tried: number[] = [];
  const served: number[] = [];
  for (let request = 0; request < count; request += 1) {
    const result = await router
      .route(model, async (target: DeploymentTarget) => {
        tried.push(target.deployment.index);
        if (fails(target.deployment.index)) throw serverError();
        return target.deployment.index;
      })
      .catch(() => -1);
    served.push(result);
  }
  return { tried, served };
}

const routing = (overrides: Partial<RoutingSettings>): RoutingSettings => ({ ...DEFAULT_ROUTING, ...overrides });

describe('createModelRouter', () => {
  it('shares a group by rpm weights (simple-shuffle)', async () => {
    const router = createModelRouter(
      [deployment(0, 'g', { rpm: 900 }), deployment(1, 'g', { rpm: 100 })],
      {},
      DEFAULT_ROUTING,
    );
    const { served } = await routeMany(router, 'g', 2_000);
    const share = served.filter((index) => index === 0).length / served.length;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.97);
  });

  it('rests a deployment that failed more than allowed_fails times in a row', async () => {
    const router = createModelRouter(
      [deployment(0, 'g', { weight: 1 }), deployment(1, 'g', { weight: 0 })],
      {},
      routing({ allowedFails: 1, cooldownMs: 60_000 }),
    );
    const { tried, served } = await routeMany(router, 'g', 6, (index) => index === 0);
    expect(served).toEqual([1, 1, 1, 1, 1, 1]);
    // Weighted first until its second failure; then resting, it is tried only after the healthy one.
    expect(tried).toEqual([0, 1, 0, 1, 1, 1, 1, 1]);
  });

  it('retries a failed group num_retries times, then tries its fallbacks in order', async () => {
    const router = createModelRouter(
      [deployment(0, 'a'), deployment(1, 'b'), deployment(2, 'c')],
      {},
      routing({ numRetries: 2, fallbacks: new Map([['a', ['b', 'c']]]) }),
    );
    const { tried, served } = await routeMany(router, 'a', 1, (index) => index !== 2);
    expect(served).toEqual([2]);
    expect(tried).toEqual([0, 0, 0, 1, 1, 1, 2]);
  });

  it('does not retry a client error, but tries the fallbacks once each', async () => {
    const router = createModelRouter(
      [deployment(0, 'a'), deployment(1, 'b')],
      {},
      routing({ numRetries: 2, fallbacks: new Map([['a', ['b']]]) }),
    );
    const tried: number[] = [];
    const error = await router
      .route('a', async (target) => {
        tried.push(target.deployment.index);
        throw APIError.generate(401, { message: 'bad key' }, 'bad key', new Headers());
      })
      .catch((caught: unknown) => caught);
    expect((error as APIError).status).toBe(401);
    // No num_retries for a 401; the fallback group, with its own key, is worth one try.
    expect(tried).toEqual([0, 1]);
  });
});
