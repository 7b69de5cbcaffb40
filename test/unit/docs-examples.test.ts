import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// The README's and docs' commands are meant to be pasted against `npm start`: the models and tools they
// name must be the example config's.
const ROOT = new URL('../..', import.meta.url);
const example = parse(readFileSync(new URL('config/config.yaml', ROOT), 'utf8')) as {
  model_list: { model_name: string }[];
  mcp_tools: { name: string }[];
};
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', ROOT))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The `sh` code blocks of a page. */
function shellBlocks(page: string): string[] {
  const text = readFileSync(new URL(page, ROOT), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe("the docs' commands", () => {
  it('name models and tools of the example config', () => {
    const models = new Set(example.model_list.map((entry) => entry.model_name));
    const tools = new Set(example.mcp_tools.map((entry) => entry.name));
    const named: { page: string; model?: string; tool?: string }[] = [];
    for (const page of pages)
      for (const block of shellBlocks(page)) {
        for (const [, model] of block.matchAll(/"model": "([^"]+)"/g)) named.push({ page, model });
        for (const [, list] of block.matchAll(/"models": \[([^\]]*)\]/g))
          for (const [, model] of list!.matchAll(/"([^"]+)"/g)) named.push({ page, model });
        for (const [, list] of block.matchAll(/"tools": \[("[^\]]*)\]/g))
          for (const [, tool] of list!.matchAll(/"([^"]+)"/g)) named.push({ page, tool });
      }
    expect(named.length).toBeGreaterThan(2);
    expect(named.filter(({ model, tool }) => (model ? !models.has(model) : !tools.has(tool!)))).toEqual([]);
  });
});
