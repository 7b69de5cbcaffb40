import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, writeTempConfig } from '../helpers/gateway-process.js';

const CLI = join(ROOT, 'bin/toolgate.js');

/** Runs the CLI to its exit (bounded), with its exit code and output. */
function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, timeout: 30_000, env: { ...process.env, ...env } };
    execFile(process.execPath, [CLI, ...args], options, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('the toolgate command', () => {
  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^toolgate \d+\.\d+\.\d+/);
  });

  it('names the --port it could not read', async () => {
    for (const port of ['abc', '99999']) {
      const { code, stderr } = await runCli(['--port', port]);
      expect(code, port).toBe(1);
      expect(stderr, port).toContain(`--port must be a port number (0 to 65535), got "${port}"`);
    }
  });

  it('refuses a bad config with exit code 1, naming the file and the problem', async () => {
    const config = writeTempConfig('mcp_tools:\n  - name: broken\n    handler: 42\n');
    const { code, stderr } = await runCli(['--config', config, '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain(config);
    expect(stderr).toMatch(/handler/);
  });

  it('checks a config and its plugins without starting anything: OK, or every problem at once', async () => {
    const good = await runCli(['check']);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^config\/config\.yaml: OK\n {2}tools: 6 \(get_current_time, calculate,/);

    const config = writeTempConfig(`
mcp_tools:
  - { name: "bad name!", handler: mcp_tools.calculate }
  - { name: no_handler, handler: mcp_tools.nothing_here }
  - { name: bad_schema, handler: mcp_tools.calculate, input_schema: { type: object, properties: { a: { type: nonsense } } } }
`);
    const bad = await runCli(['check', '--config', config, '--plugins', join(ROOT, 'plugins')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mcp_tools\[0\]\.name: /);
    expect(bad.stderr).toMatch(/mcp_tools\[1\]\.handler: .*no exported function "nothing_here"/);
    expect(bad.stderr).toMatch(/mcp_tools\[2\]: input_schema does not compile/);
  });

  it('refuses a REDIS_URL that names no Redis at once, without printing its secret part', async () => {
    for (const url of ['localhost:6379', 'http://user:hunter2@cache:6379']) {
      const { code, stderr } = await runCli(['--port', '0'], { REDIS_URL: url });
      expect(code, url).toBe(1);
      expect(stderr, url).toMatch(/REDIS_URL must start with redis:\/\//);
      expect(stderr, url).not.toContain('hunter2');
    }
  });
});
