import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/config/config-error.js';
import { loadConfig } from '../../src/shared/config/load-config.js';
import type { ToolPool } from '../../src/shared/execution/pool-contract.js';
import { createTestPool } from '../helpers/tool-pool.js';
import { loadToolRegistry } from '../../src/shared/plugins/tool-registry.js';
import { createToolCatalog } from '../../src/gateway/tools/tool-catalog.js';

const CONTRACT = new URL('../../src/shared/plugins/plugin-contract.ts', import.meta.url).pathname;
let pool: ToolPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Lays out a project (config + plugins) and loads its registry through a real thread pool. */
async function registryFor(configYaml: string, plugins: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'toolgate-registry-'));
  const pluginsDir = join(root, 'plugins');
  for (const [file, source] of Object.entries(plugins)) {
    mkdirSync(join(pluginsDir, file, '..'), { recursive: true });
    writeFileSync(join(pluginsDir, file), source);
  }
  mkdirSync(pluginsDir, { recursive: true });
  // As in any Node project, `.js` and `.ts` files are ES modules where the nearest package.json says so.
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(root, 'config.yaml'), configYaml);
  const config = loadConfig({ flags: { configPath: join(root, 'config.yaml'), pluginsDir }, env: {} });
  pool = createTestPool({ cancelGraceMs: 100, pluginsDir, maxResultBytes: 1_000_000 });
  return loadToolRegistry({ config, describe: pool.describe });
}

async function problemsFor(configYaml: string, plugins: Record<string, string>): Promise<readonly string[]> {
  const error = await registryFor(configYaml, plugins).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('loadToolRegistry', () => {
  it('combines config tools and tools that plugin modules declare', async () => {
    const tools = await registryFor(
      `mcp_tools:\n  - { name: now, description: Now, handler: clock.now, timeout_ms: 500 }\n`,
      {
        'clock.ts': 'export const now = (): number => Date.now();',
        'text/words.mts': `import { defineTool } from '${CONTRACT}';\nexport const tools = [defineTool({ name: 'shout', description: 'Upper-case', handler: ({ text }) => String(text).toUpperCase(), annotations: { readOnlyHint: true } })];`,
      },
    );
    expect(tools.map((tool) => [tool.name, tool.target, tool.timeoutMs])).toEqual([
      ['now', { kind: 'plugin', handler: { module: 'clock.ts', exportName: 'now' } }, 500],
      ['shout', { kind: 'plugin', handler: { module: 'text/words.mts', declaredTool: 'shout' } }, 55_000],
    ]);
    expect(tools[1]?.inputSchema).toEqual({ type: 'object' });
  });

  it('reports every problem of the config and its plugins at once: names, handlers and schemas', async () => {
    const problems = await problemsFor(
      `mcp_tools:
  - { name: "bad name!", handler: t.f }
  - { name: no_handler, handler: t.missing }
  - { name: bad_schema, handler: t.f, input_schema: { type: object, properties: { a: { type: nonsense } } } }
  - { name: fine, handler: t.f }
`,
      { 't.js': 'export const f = () => 1;' },
    );
    expect(problems).toEqual([
      expect.stringMatching(/: mcp_tools\[0\]\.name: /),
      expect.stringMatching(/: mcp_tools\[1\]\.handler: .*no exported function "missing"/),
      expect.stringMatching(/ mcp_tools\[2\]: input_schema does not compile: /),
    ]);
  });

  it('stops on a duplicate tool name, naming both places', async () => {
    const problems = await problemsFor(`mcp_tools:\n  - { name: twice, handler: a.run }\n`, {
      'a.js': `export function run() {}\nexport const tools = [{ name: 'twice', handler: () => 1 }];`,
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /duplicate tool name "twice": .*config\.yaml mcp_tools\[0\] and .*plugins\/a\.js tools\[0\]/,
      ),
    ]);
  });

  it('names a missing module, a missing export and a module that fails to load', async () => {
    const problems = await problemsFor(
      `mcp_tools:\n  - { name: a, handler: weather.get }\n  - { name: b, handler: present.absent }\n`,
      { 'present.ts': 'export const other = () => 1;', 'broken.js': 'throw new Error("boom at import");' },
    );
    expect(problems).toEqual([
      expect.stringMatching(/plugins\/broken\.js: failed to load: boom at import/),
      expect.stringMatching(/config\.yaml: mcp_tools\[0\]\.handler: module "weather" not found in .*plugins\//),
      expect.stringMatching(/config\.yaml: mcp_tools\[1\]\.handler: .*present\.ts has no exported function "absent"/),
    ]);
  });

  it('refuses handler specs that try to leave the plugins folder or reach prototypes', async () => {
    const problems = await problemsFor(
      `mcp_tools:\n  - { name: a, handler: "..x.fn" }\n  - { name: b, handler: "ok.__proto__" }\n`,
      { 'ok.js': 'export const f = () => 1;' },
    );
    expect(problems).toHaveLength(2);
    expect(problems.every((problem) => /not an allowed module or function name/.test(problem))).toBe(true);
  });

  it('refuses a declared tool without a handler, naming its module and index', async () => {
    const problems = await problemsFor('{}', { 'bad.js': `export const tools = [{ name: 'nohandler' }];` });
    expect(problems).toEqual([
      expect.stringMatching(/plugins\/bad\.js tools\[0\]\.hasHandler: expected a handler function/),
    ]);
  });
});

describe('createToolCatalog', () => {
  it('validates arguments in the dialect the schema names', async () => {
    const tools = await registryFor(
      `mcp_tools:
  - name: modern
    handler: t.f
    input_schema: { type: object, properties: { n: { type: integer }, pair: { type: array, prefixItems: [{ type: string }] } }, required: [n] }
  - name: legacy
    handler: t.f
    input_schema: { $schema: "http://json-schema.org/draft-07/schema#", type: object, properties: { tags: { type: array, items: [{ type: string }] } } }
`,
      { 't.js': 'export const f = () => 1;' },
    );
    const catalog = createToolCatalog(tools);
    expect(catalog.get('modern')?.validate({ n: 1 })).toBeUndefined();
    expect(catalog.get('modern')?.validate({})).toBe("arguments must have required property 'n'");
    // 2020-12 `prefixItems`: the first item must be a string.
    expect(catalog.get('modern')?.validate({ n: 1, pair: [1] })).toMatch(/arguments\/pair\/0 must be string/);
    // draft-07 tuple `items`: a second item is unconstrained, the first must be a string.
    expect(catalog.get('legacy')?.validate({ tags: ['a', 1] })).toBeUndefined();
    expect(catalog.get('legacy')?.validate({ tags: [1] })).toMatch(/arguments\/tags\/0 must be string/);
  });

  it('stops when a schema does not compile, naming the tool', async () => {
    const [tool] = await registryFor(`mcp_tools:\n  - { name: fine, handler: t.f }\n`, {
      't.js': 'export const f = () => 1;',
    });
    const broken = { ...tool!, inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } };
    expect(() => createToolCatalog([broken])).toThrow(/mcp_tools\[0\]: input_schema does not compile/);
  });
});
