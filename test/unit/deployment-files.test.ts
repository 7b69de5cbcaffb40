import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', ROOT), 'utf8')) as {
  services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; restart?: string; depends_on?: Record<string, unknown> }>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');

describe('docker-compose.yml', () => {
  it('runs redis with persistence, a gateway and scalable workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'redis', 'worker']);
    const { redis, gateway, worker } = compose.services;
    expect(redis?.command).toEqual(['redis-server', '--appendonly', 'yes']);
    expect(redis?.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(compose.volumes)).toEqual(['redis-data']);
    for (const service of [redis, gateway, worker]) expect(service?.restart).toBe('unless-stopped');
    expect(gateway?.command).toEqual(['--config', '/app/config/config.yaml']);
    expect(worker?.command).toEqual(['worker', '--config', '/app/config/config.yaml']);
  });

  it('publishes the gateway on loopback only and binds it to all interfaces inside the container', () => {
    const { gateway, worker } = compose.services;
    expect(gateway?.ports).toEqual(['127.0.0.1:4000:4000']);
    expect(gateway?.environment).toMatchObject({ HOST: '0.0.0.0', PORT: '4000', REDIS_URL: 'redis://redis:6379' });
    // A published port would stop `--scale worker=N` with a port clash.
    expect(worker?.ports).toBeUndefined();
    expect(worker?.environment).toMatchObject({ REDIS_URL: 'redis://redis:6379' });
  });

  it('mounts config/ and plugins/ into both processes, so new plugins need no rebuild', () => {
    for (const name of ['gateway', 'worker']) {
      expect(compose.services[name]?.volumes).toEqual(['./config:/app/config:ro', './plugins:/app/plugins:ro']);
      expect(compose.services[name]?.image).toBe('toolgate:latest');
    }
  });
});

describe('Dockerfile', () => {
  it('builds one image whose entry point is the toolgate CLI, with sources, config and plugins', () => {
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/toolgate\.js"\]$/m);
    for (const folder of ['bin', 'src', 'config', 'plugins']) expect(dockerfile).toMatch(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    expect(dockerfile).toMatch(/npm install --omit=dev/);
  });
});
