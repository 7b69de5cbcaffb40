import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FIXTURE_PLUGINS, ROOT, spawnLogging, type SpawnedProcess } from '../helpers/gateway-process.js';
import { commandLineOf } from '../helpers/process-commands.js';

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

  // npm runs a script through `sh -c` and forwards SIGTERM to that shell only; a shell that does not hand
  // its place to node would die and leave the gateway running, holding its port.
  it.each([
    ['start', ['start', '--silent'], 'toolgate gateway listening', {}],
    ['run worker', ['run', 'worker', '--silent'], 'toolgate worker ready', { REDIS_URL: inject('redisUrl') }],
  ] as const)('SIGTERM to npm %s stops the node process it started', async (_name, args, readyLine, env) => {
    const script = spawnLogging(
      'npm',
      [...args],
      { CONFIG, PLUGINS_DIR: FIXTURE_PLUGINS, PORT: '0', REDIS_URL: undefined, QUEUE_PREFIX: 'npm-signals', ...env },
      true,
    );
    started.push(script);
    const ready = await script.waitForLog((line) => line.msg === readyLine);
    const nodePid = Number(ready.pid);
    expect(commandLineOf(nodePid)).toContain('bin/toolgate.js');

    const npmExited = once(script.child, 'exit');
    script.child.kill('SIGTERM');
    await npmExited;
    const survivor = commandLineOf(nodePid);
    if (survivor) process.kill(nodePid, 'SIGKILL');
    expect(survivor, 'the node process outlived npm').toBe('');
  });
});
