import { parseArgs } from 'node:util';
import { ConfigError } from './shared/config/config-error.js';
import type { RuntimeEnv } from './shared/config/runtime-env.js';

const USAGE = `Usage:
  toolgate [--config config/config.yaml] [--port 4000] [--host 127.0.0.1]   start the gateway
  toolgate worker [--config config/config.yaml]                              start a queue worker (needs REDIS_URL)
  toolgate check [--config config/config.yaml] [--plugins plugins]          check a config and its plugins, start nothing
  toolgate --version                                                         print the version

Environment: PORT, HOST, CONFIG, PLUGINS_DIR, REDIS_URL, QUEUE_PREFIX, LOG_LEVEL, WORKER_THREADS, WORKER_CONCURRENCY`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      plugins: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.version) {
    const { packageVersion } = await import('./shared/package-version.js');
    process.stdout.write(`toolgate ${packageVersion}\n`);
    return;
  }
  // Number("abc") is NaN: say what was typed rather than what it became.
  if (values.port !== undefined && !/^\d+$/.test(values.port))
    fail(`--port must be a port number (0 to 65535), got "${values.port}"`);
  const flags: Partial<RuntimeEnv> = {
    ...(values.config !== undefined && { configPath: values.config }),
    ...(values.port !== undefined && { port: Number(values.port) }),
    ...(values.host !== undefined && { host: values.host }),
    ...(values.plugins !== undefined && { pluginsDir: values.plugins }),
  };
  const command = positionals[0] ?? 'gateway';
  if (command === 'gateway') {
    const { runGateway } = await import('./gateway/main.js');
    await runGateway(flags);
  } else if (command === 'check') {
    const { checkConfig } = await import('./gateway/config-check.js');
    process.stdout.write(`${await checkConfig(flags)}\n`);
  } else if (command === 'worker') {
    const { runWorker } = await import('./worker/main.js');
    await runWorker(flags);
  } else {
    fail(`Unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) fail(error.message);
  fail(error instanceof Error ? `toolgate: ${error.message}` : `toolgate: ${String(error)}`);
});
