import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modulePathInside, parseHandlerSpec, resolveHandler } from '../../src/shared/plugins/handler-target.js';

let pluginsDir: string;

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'toolgate-handlers-'));
  pluginsDir = join(root, 'plugins');
  mkdirSync(join(pluginsDir, 'weather'), { recursive: true });
  writeFileSync(join(pluginsDir, 'mcp_tools.ts'), 'export function now() { return 1; }');
  writeFileSync(join(pluginsDir, 'weather', 'forecast.mjs'), 'export function today() {}');
  writeFileSync(join(root, 'secret.ts'), 'export function steal() {}');
  symlinkSync(join(root, 'secret.ts'), join(pluginsDir, 'escape.ts'));
});

describe('resolveHandler', () => {
  it('resolves module.function to the module file and export', () => {
    expect(resolveHandler('mcp_tools.now', pluginsDir).target).toEqual({ module: 'mcp_tools.ts', exportName: 'now' });
    expect(resolveHandler('weather.forecast.today', pluginsDir).target).toEqual({
      module: 'weather/forecast.mjs',
      exportName: 'today',
    });
  });

  it('names the missing module and the plugins folder', () => {
    expect(() => resolveHandler('weather.get_weather', pluginsDir)).toThrow(
      /module "weather" not found in .*plugins\//,
    );
  });

  it.each([
    '..',
    '../secret.steal',
    '.hidden.fn',
    'a..b',
    '/etc/passwd.fn',
    'mcp_tools',
    'mcp_tools.__proto__',
    '__proto__.x',
    'constructor.fn',
    'mcp_tools.constructor',
    'a.prototype.b',
    'x.y/z',
  ])('refuses %s', (spec) => {
    expect(() => parseHandlerSpec(spec)).toThrow(/handler /);
  });

  it('refuses a module whose real path leaves the plugins folder', () => {
    expect(() => resolveHandler('escape.steal', pluginsDir)).toThrow(/resolves outside/);
  });
});

describe('modulePathInside', () => {
  it('accepts plugin modules inside the folder and refuses anything else from job data', () => {
    expect(modulePathInside(pluginsDir, 'weather/forecast.mjs')).toBe(join(pluginsDir, 'weather/forecast.mjs'));
    expect(() => modulePathInside(pluginsDir, '../secret.ts')).toThrow(/not a plugin module/);
    expect(() => modulePathInside(pluginsDir, '/etc/passwd')).toThrow(/not a plugin module/);
    expect(() => modulePathInside(pluginsDir, 'package.json')).toThrow(/not a plugin module/);
  });
});
