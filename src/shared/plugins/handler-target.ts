import type { HandlerTarget } from '../call/tool-run.js';
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Extensions a plugin module may have, in lookup order. */
export const PLUGIN_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

// Segments become path parts and property names: only plain identifiers, never names that reach
// Object.prototype.
const SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const FORBIDDEN_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'valueOf',
  'toLocaleString',
]);

export class HandlerResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerResolutionError';
  }
}

/** Splits `"a.b.fn"` into module segments and export name, refusing anything that could escape or pollute. */
export function parseHandlerSpec(spec: string): { moduleSegments: string[]; exportName: string } {
  const segments = spec.split('.');
  if (segments.length < 2) throw new HandlerResolutionError(`handler "${spec}": expected "module.function"`);
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || FORBIDDEN_NAMES.has(segment)) {
      throw new HandlerResolutionError(`handler "${spec}": "${segment}" is not an allowed module or function name`);
    }
  }
  const exportName = segments.pop() as string;
  return { moduleSegments: segments, exportName };
}

/** True when `child` is `parent` or inside it. */
function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path) && !path.startsWith(`..${sep}`));
}

/**
 * Finds the module file for `"a.b.fn"`: `plugins/a/b.{ts,mts,js,mjs}`. The real path (symlinks followed)
 * must stay inside the plugins folder.
 */
export function resolveHandler(spec: string, pluginsDir: string): { target: HandlerTarget; file: string } {
  const { moduleSegments, exportName } = parseHandlerSpec(spec);
  const root = realpathSync(resolve(pluginsDir));
  const base = join(root, ...moduleSegments);
  for (const extension of PLUGIN_EXTENSIONS) {
    const candidate = base + extension;
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (!isInside(root, real))
      throw new HandlerResolutionError(`handler "${spec}": module resolves outside ${pluginsDir}/`);
    return { target: { module: relative(root, real).split(sep).join('/'), exportName }, file: real };
  }
  throw new HandlerResolutionError(
    `module "${moduleSegments.join('/')}" not found in ${pluginsDir}/ (tried ${PLUGIN_EXTENSIONS.join(', ')})`,
  );
}

/**
 * The absolute path of a target's module inside `pluginsDir`. Workers call this on every job, since job
 * data comes from Redis and must not name a file outside their plugins folder.
 */
export function modulePathInside(pluginsDir: string, module: string): string {
  const root = resolve(pluginsDir);
  const file = resolve(root, module);
  if (!isInside(root, file) || !PLUGIN_EXTENSIONS.some((extension) => file.endsWith(extension))) {
    throw new HandlerResolutionError(`module "${module}" is not a plugin module inside ${pluginsDir}/`);
  }
  return file;
}
