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
export function startEverythingServer(mode: 'sse' | 'streamableHttp', port?: number): Promise<EverythingHttpServer> {
  return startHttpMcpServer([EVERYTHING_BIN, mode], mode === 'sse' ? '/sse' : '/mcp', port);
}

/**
 * Starts a Node script serving MCP over HTTP on PORT (a free one by default), resolving once it says on
 * stderr that it listens on its port.
 */
export async function startHttpMcpServer(
  args: readonly string[],
  path: string,
  port?: number,
): Promise<EverythingHttpServer> {
  port ??= await freePort();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/port \d+/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}${path}`,
    child,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
