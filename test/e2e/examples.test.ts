import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, spawnToolgate, type SpawnedGateway } from '../helpers/gateway-process.js';

const execFileAsync = promisify(execFile);

function runExample(script: string, env: Record<string, string | undefined> = {}) {
  return execFileAsync(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, OPENAI_API_KEY: undefined, ...env },
    timeout: 60_000,
  });
}

let gateway: SpawnedGateway;

beforeAll(async () => {
  const spawned = spawnToolgate(['--config', `${ROOT}/config/config.yaml`, '--port', '0'], {
    REDIS_URL: undefined,
    PLUGINS_DIR: undefined,
  });
  gateway = {
    ...spawned,
    url: String((await spawned.waitForLog((line) => line.msg === 'toolgate gateway listening')).url),
  };
});

afterAll(async () => {
  await gateway?.stop();
});

it('runs the SDK example end to end against the stand-in model', async () => {
  const { stdout } = await runExample('examples/sdk-direct.ts');
  expect(stdout.trim()).toBe('The tool answered: The sum of 60 and 35 is 95.');
}, 60_000);

it('runs the proxy example against a gateway', async () => {
  const { stdout } = await runExample('examples/proxy-client.ts', { TOOLGATE_URL: gateway.url });
  expect(stdout).toContain('tools: get_current_time, calculate');
  expect(stdout).toContain("Hello from toolgate's demo model.");
}, 60_000);
