import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_BIN } from '../helpers/everything-server.js';
import { ROOT } from '../helpers/gateway-process.js';

// What another project sees: the packed tarball installed from disk, imported as `toolgate`.
let project: string;

const CONSUMER_TS = `
import { completion, createMcpClient, stdioTransport, type McpClient } from 'toolgate';

const client: McpClient = await createMcpClient({ transport: stdioTransport({ command: process.execPath, args: [process.argv[2] ?? '', 'stdio'] }) });
const tools = await client.listTools({ format: 'openai' });
const names: string[] = tools.map((tool) => tool.function.name);
const reply = await completion({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], mockResponse: 'packed and working' });
const text: string = reply.text;
console.log(JSON.stringify({ hasEcho: names.includes('echo'), text }));
await client.close();
`;

const CONSUMER_JS = `
import { completion, createMcpClient, stdioTransport } from 'toolgate';

const client = await createMcpClient({ transport: stdioTransport({ command: process.execPath, args: [process.argv[2], 'stdio'] }) });
const tools = await client.listTools({ format: 'openai' });
const reply = await completion({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], mockResponse: 'packed and working' });
console.log(JSON.stringify({ hasEcho: tools.some((tool) => tool.function.name === 'echo'), text: reply.text }));
await client.close();
`;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'toolgate-consumer-'));
  run('npm', ['pack', '--pack-destination', project], ROOT);
  const tarball = readdirSync(project).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(project, tarball)], project);
}, 240_000);

describe('the npm package', () => {
  it('imports and runs the SDK from plain JavaScript', () => {
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER_JS);
    const output = run(process.execPath, ['consumer.mjs', EVERYTHING_BIN], project);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ hasEcho: true, text: 'packed and working' });
  }, 60_000);

  it('ships type declarations a TypeScript project compiles against', () => {
    writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    expect(() =>
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project),
    ).not.toThrow();
  }, 60_000);
});
