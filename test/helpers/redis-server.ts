import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** A free loopback port, found by binding port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts `redis-server` on loopback (no persistence) and resolves once it accepts connections. */
export async function spawnRedisServer(
  port?: number,
  extraArgs: readonly string[] = [],
): Promise<TestRedis & { readonly port: number; readonly child: ChildProcess }> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * A Redis Cluster of `size` primaries on loopback ports, created with `redis-cli --cluster create` and
 * resolved once every slot is served. Its URL is toolgate's cluster form.
 */
export async function spawnRedisCluster(size = 3): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-cluster-'));
  const nodes = await Promise.all(
    Array.from({ length: size }, async () => {
      const port = await freePort();
      return spawnRedisServer(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--cluster-node-timeout',
        '5000',
      ]);
    }),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (created.status !== 0) {
    await stop();
    throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
  }
  for (const until = Date.now() + 20_000; ;) {
    const states = nodes.map(
      (node) => spawnSync('redis-cli', ['-p', String(node.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
    );
    if (states.every((info) => info.includes('cluster_state:ok'))) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`the cluster never became ready:\n${states.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url: `redis+cluster://${addresses.join(',')}`, stop };
}

async function startContainerRedis(): Promise<TestRedis | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      stop: async () => void (await container.stop()),
    };
  } catch {
    return undefined;
  }
}

function dockerEngineAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/**
 * A real Redis for the tests: `REDIS_URL` if set; else a testcontainers Redis when a Docker engine
 * answers; else `redis-server` from PATH on a free loopback port. Fails with instructions otherwise.
 */
export async function startTestRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (dockerEngineAnswers()) {
    const container = await startContainerRedis();
    if (container) return container;
  }
  if (hasRedisServerBinary()) return spawnRedisServer();
  throw new Error(
    'The tests need a real Redis: set REDIS_URL, run a Docker engine, or install redis-server ' +
      '(Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis).',
  );
}
