import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './gateway-process.js';
import { freePort } from './redis-server.js';

/** The reference MCP server (`@modelcontextprotocol/server-everything`), as installed in node_modules. */
export const EVERYTHING_BIN = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

export interface EverythingHttpServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts it over `sse` or `streamableHttp` on `port` (a free one by default), resolving once it listens. */
export async function startEverythingServer(mode: 'sse' | 'streamableHttp', port?: number): Promise<EverythingHttpServer> {
  port ??= await freePort();
  const child = spawn(process.execPath, [EVERYTHING_BIN, mode], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server-everything did not start:\n${output}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/port \d+/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}${mode === 'sse' ? '/sse' : '/mcp'}`,
    child,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
