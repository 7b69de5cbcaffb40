import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', ROOT), 'utf8')) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      environment?: Record<string, string>;
      ports?: string[];
      volumes?: string[];
      restart?: string;
      depends_on?: Record<string, unknown>;
      profiles?: string[];
    }
  >;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };

describe('docker-compose.yml', () => {
  it('runs redis with persistence, scalable gateways and workers, and a proxy in front', () => {
    const always = Object.entries(compose.services).filter(([, service]) => service.profiles === undefined);
    expect(always.map(([name]) => name).sort()).toEqual(['gateway', 'proxy', 'redis', 'worker']);
    const { redis, gateway, worker } = compose.services;
    expect(redis?.command).toEqual(['redis-server', '--appendonly', 'yes']);
    expect(redis?.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(compose.volumes)).toEqual(['redis-data']);
    for (const service of [redis, gateway, worker]) expect(service?.restart).toBe('unless-stopped');
    expect(gateway?.command).toEqual(['--config', '/app/config/config.yaml']);
    expect(worker?.command).toEqual(['worker', '--config', '/app/config/config.yaml']);
  });

  it('publishes only the proxy, on loopback, and binds the gateways to all interfaces inside their containers', () => {
    const { gateway, worker, proxy } = compose.services;
    expect(proxy?.ports).toEqual(['127.0.0.1:4000:80']);
    expect(proxy?.image).toMatch(/^nginx:/);
    expect(proxy?.volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(gateway?.environment).toMatchObject({ HOST: '0.0.0.0', PORT: '4000', REDIS_URL: 'redis://redis:6379' });
    // A published port would stop `--scale gateway=N` or `--scale worker=N` with a port clash.
    expect(gateway?.ports).toBeUndefined();
    expect(worker?.ports).toBeUndefined();
    expect(worker?.environment).toMatchObject({ REDIS_URL: 'redis://redis:6379' });
  });

  it('refuses to start the gateway without a master key, since it listens beyond loopback', () => {
    const { gateway } = compose.services;
    // `${VAR:?message}`: compose stops with the message when the variable is unset or empty.
    for (const name of ['TOOLGATE_MASTER_KEY', 'LITELLM_MASTER_KEY'])
      expect(gateway?.environment?.[name], name).toMatch(/^\$\{TOOLGATE_MASTER_KEY:\?.+\}$/);
  });

  it('mounts config/ and plugins/ into both processes, so new plugins need no rebuild', () => {
    for (const name of ['gateway', 'worker']) {
      expect(compose.services[name]?.volumes).toEqual(['./config:/app/config:ro', './plugins:/app/plugins:ro']);
      expect(compose.services[name]?.image).toBe('toolgate:latest');
    }
  });
});

describe('observability in compose', () => {
  const prometheus = parse(readFileSync(new URL('deploy/prometheus.yml', ROOT), 'utf8')) as {
    scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
  };

  it("has each worker replica serve its metrics, and Prometheus find every gateway and worker by the service's DNS name", () => {
    const { worker, prometheus: server, jaeger } = compose.services;
    expect(worker?.environment).toMatchObject({ HOST: '0.0.0.0', WORKER_METRICS_PORT: '9464' });
    expect(server?.profiles).toEqual(['observability']);
    expect(jaeger?.profiles).toEqual(['observability']);
    expect(server?.volumes).toEqual(['./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro']);
    const targets = Object.fromEntries(prometheus.scrape_configs.map((job) => [job.job_name, job.dns_sd_configs[0]]));
    expect(targets).toEqual({
      'toolgate-gateway': { names: ['gateway'], type: 'A', port: 4000 },
      'toolgate-worker': { names: ['worker'], type: 'A', port: 9464 },
    });
  });
});

describe('deploy/nginx.conf', () => {
  const nginx = readFileSync(new URL('deploy/nginx.conf', ROOT), 'utf8');

  it('balances every gateway replica with no affinity and passes SSE through unbuffered', () => {
    expect(nginx).toMatch(/server gateway:4000 resolve;/);
    expect(nginx).not.toMatch(/ip_hash|hash \$|sticky/);
    for (const directive of [
      'proxy_buffering off;',
      'proxy_cache off;',
      'proxy_http_version 1.1;',
      'proxy_read_timeout 1h;',
    ])
      expect(nginx).toContain(directive);
  });
});

describe('Dockerfile', () => {
  it('builds one image whose entry point is the toolgate CLI, with sources, config and plugins', () => {
    const imageMajor = Number(/^FROM node:(\d+)-/m.exec(dockerfile)?.[1]);
    const lowestSupportedMajor = Number(/>=(\d+)\./.exec(packageJson.engines.node)?.[1]);
    expect(imageMajor).toBeGreaterThanOrEqual(lowestSupportedMajor);
    expect(imageMajor % 2, 'an LTS line (even major)').toBe(0);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/toolgate\.js"\]$/m);
    for (const folder of ['bin', 'src', 'config', 'plugins'])
      expect(dockerfile).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    expect(dockerfile).toMatch(/npm install --omit=dev/);
  });
});
