import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_PLUGINS, ROOT, spawnLogging, type SpawnedProcess } from '../helpers/gateway-process.js';

// The README's overrides, through the npm scripts it documents rather than the CLI.
const CONFIG = join(ROOT, 'test/fixtures/config.concurrency.yaml');
const started: SpawnedProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((each) => each.stop()));
});

describe('npm scripts', () => {
  it('npm start loads the config and plugins that CONFIG and PLUGINS_DIR name', async () => {
    const gateway = spawnLogging(
      'npm',
      ['start', '--silent'],
      { CONFIG, PLUGINS_DIR: FIXTURE_PLUGINS, PORT: '0', REDIS_URL: undefined },
      true,
    );
    started.push(gateway);
    const listening = await gateway.waitForLog((line) => line.msg === 'toolgate gateway listening');
    expect(listening).toMatchObject({
      config: CONFIG,
      tools: expect.arrayContaining(['timed_wait', 'timed_spin_exclusive']),
    });
    const response = await fetch(`${String(listening.url)}/mcp/call_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'timed_wait', arguments: { ms: 1 } }),
    });
    expect(response.status).toBe(200);
  });

  it('npm run worker loads the config that CONFIG names', async () => {
    const worker = spawnLogging(
      'npm',
      ['run', 'worker', '--silent'],
      { CONFIG, PLUGINS_DIR: FIXTURE_PLUGINS, REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: 'npm-scripts' },
      true,
    );
    started.push(worker);
    expect(await worker.waitForLog((line) => line.msg === 'toolgate worker ready')).toMatchObject({ config: CONFIG });
  });
});
