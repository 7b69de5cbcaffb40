import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const FIXTURE_PLUGINS = join(ROOT, 'test/fixtures/plugins');
export const E2E_CONFIG = join(ROOT, 'test/fixtures/config.e2e.yaml');

export interface SpawnedProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines seen so far; a line that is not JSON is kept as `{ unparsed: line }`. */
  readonly logs: Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnedGateway extends SpawnedProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/** Writes a config file into a fresh temporary folder and returns its path. */
export function writeTempConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'toolgate-test-')), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Spawns `toolgate` (the real CLI entry) with arguments and environment; stdout is read as JSON logs. */
export function spawnToolgate(args: string[], env: Record<string, string | undefined> = {}): SpawnedProcess {
  return spawnLogging(process.execPath, [join(ROOT, 'bin/toolgate.js'), ...args], env);
}

/**
 * Spawns a command in the project folder whose stdout is JSON log lines (`npm start`, say). With
 * `group`, it leads a process group of its own, and `stop` signals the whole group (npm and the node
 * process it starts).
 */
export function spawnLogging(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  group = false,
): SpawnedProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ unparsed: line });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });

  return {
    child,
    logs,
    stderr: () => stderr,
    waitForLog(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `process exited (${child.exitCode ?? child.signalCode}) before the expected log line.\nstderr: ${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for a log line.\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (group && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** Starts a gateway on a free port and waits until it listens. */
export async function startGateway(
  options: { config?: string; env?: Record<string, string | undefined> } = {},
): Promise<SpawnedGateway> {
  const spawned = spawnToolgate(['--config', options.config ?? E2E_CONFIG, '--port', '0'], {
    PLUGINS_DIR: FIXTURE_PLUGINS,
    REDIS_URL: undefined,
    ...options.env,
  });
  const listening = await spawned
    .waitForLog((line) => line.msg === 'toolgate gateway listening')
    .catch(async (error: unknown) => {
      // A gateway that never came up must not outlive the test run.
      await spawned.stop('SIGKILL');
      throw error;
    });
  return { ...spawned, url: String(listening.url) };
}
