/**
 * The peers the stdio rows compare toolgate with: supergateway and mcp-proxy, each fronting
 * server-everything over stdio and serving it over streamable HTTP. Installed on first use into a cache
 * folder of their own (not devDependencies: only the benchmark needs them), at pinned versions.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, killAndWait, processTree } from '../src/shared/mcp/process-tree.ts';
import { EVERYTHING_BIN } from '../test/helpers/everything-server.ts';
import { ROOT } from '../test/helpers/gateway-process.ts';
import { freePort } from '../test/helpers/redis-server.ts';

const PEERS = ['supergateway@4.0.0', 'mcp-proxy@6.7.19'];
const PREFIX = join(ROOT, 'node_modules/.cache/toolgate-bench-peers');

export interface PeerGateway {
  readonly name: string;
  readonly mcpUrl: string;
  stop(): Promise<void>;
}

function ensureInstalled(): void {
  if (
    existsSync(join(PREFIX, 'node_modules/.bin/supergateway')) &&
    existsSync(join(PREFIX, 'node_modules/.bin/mcp-proxy'))
  )
    return;
  mkdirSync(PREFIX, { recursive: true });
  writeFileSync(join(PREFIX, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--no-package-lock', ...PEERS], {
    stdio: 'pipe',
    timeout: 170_000,
  });
}

/** Resolves once the port answers HTTP (any status), within 20 s. */
async function untilListening(url: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: the peer exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url}: the peer did not start listening`);
}

async function startPeer(name: string, argsFor: (port: number) => string[]): Promise<PeerGateway> {
  const port = await freePort();
  const bin = join(PREFIX, 'node_modules/.bin', name);
  const child = spawn(process.execPath, [bin, ...argsFor(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const mcpUrl = `http://127.0.0.1:${port}/mcp`;
  await untilListening(mcpUrl, child);
  return {
    name,
    mcpUrl,
    async stop() {
      // The stdio children it started are ended too, whether or not it ends them itself.
      const tree = processTree(child.pid!);
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await killAndWait(tree.filter(isAlive));
    },
  };
}

const everythingCommand = [process.execPath, EVERYTHING_BIN, 'stdio'];

/**
 * Both peers in their stateful streamable HTTP modes (a session per client, as the load generator opens
 * them), each spawning server-everything over stdio the way it does by design.
 */
export async function startPeerGateways(): Promise<PeerGateway[]> {
  ensureInstalled();
  return Promise.all([
    startPeer('supergateway', (port) => [
      '--stdio',
      everythingCommand.join(' '),
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      '--logLevel',
      'none',
    ]),
    startPeer('mcp-proxy', (port) => [
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--server',
      'stream',
      '--',
      ...everythingCommand,
    ]),
  ]);
}
