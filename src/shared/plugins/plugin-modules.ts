import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PLUGIN_EXTENSIONS } from './handler-target.js';

function isPluginModule(name: string): boolean {
  if (name.startsWith('.') || /\.d\.m?ts$/.test(name) || /\.(test|spec)\.[mc]?[jt]s$/.test(name)) return false;
  return PLUGIN_EXTENSIONS.some((extension) => name.endsWith(extension));
}

/** Every plugin module under `pluginsDir`, as `/`-separated paths relative to it, sorted. */
export function listPluginModules(pluginsDir: string): string[] {
  const modules: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && isPluginModule(entry.name))
        modules.push(relative(pluginsDir, path).split(sep).join('/'));
    }
  };
  walk(pluginsDir);
  return modules.sort();
}
