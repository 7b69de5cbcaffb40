import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, formatKeyPath } from '../config/config-error.js';
import type { ToolgateConfig } from '../config/load-config.js';
import {
  TOOL_NAME_PATTERN,
  toolAnnotationsSchema,
  toolIsolationSchema,
  type ToolAnnotations,
} from '../config/schema.js';
import type { ToolIsolation, ToolTarget } from '../call/tool-run.js';
import { MAX_TIMER_MS } from '../config/settings.js';
import type { ModuleDescription } from './module-description.js';
import { HandlerResolutionError, resolveHandler } from './handler-target.js';
import { listPluginModules } from './plugin-modules.js';
import { createSchemaValidators, schemaProblem } from './schema-validators.js';

/** A tool the gateway serves, from `mcp_tools` or declared by a plugin module. */
export interface RegisteredTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly annotations: ToolAnnotations | undefined;
  readonly timeoutMs: number;
  readonly isolation: ToolIsolation;
  /** Calls in flight per process at most; none means no cap beyond the pool's. */
  readonly maxConcurrency: number | undefined;
  readonly target: ToolTarget;
  /** Where it was declared, for messages: `config/config.yaml mcp_tools[0]` or `plugins/x.ts tools[1]`. */
  readonly origin: string;
}

const declaredToolSchema = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN, 'expected a name matching ^[A-Za-z0-9_-]{1,64}$'),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: toolAnnotationsSchema.optional(),
  timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).optional(),
  isolation: toolIsolationSchema.optional(),
  maxConcurrency: z.number().int().positive().optional(),
  hasHandler: z.literal(true, { error: 'expected a handler function' }),
});

export interface LoadToolRegistryOptions {
  readonly config: ToolgateConfig;
  /** Imports plugin modules (in a pool thread, so their top-level code never runs in the gateway). */
  readonly describe: (modules: readonly string[]) => Promise<ModuleDescription[]>;
}

/**
 * Builds the tool list: `mcp_tools` entries resolved inside the plugins folder, then tools that plugin
 * modules declare. Every problem is collected; any problem stops startup with all of them listed.
 */
export async function loadToolRegistry({ config, describe }: LoadToolRegistryOptions): Promise<RegisteredTool[]> {
  const pluginsDir = config.runtime.pluginsDir;
  const problems: string[] = [...config.toolEntryProblems];
  const modules = existsSync(pluginsDir) ? listPluginModules(pluginsDir) : [];
  const descriptions = new Map((await describe(modules)).map((description) => [description.module, description]));
  for (const description of descriptions.values()) {
    if (description.loadError)
      problems.push(`${pluginsDir}/${description.module}: failed to load: ${description.loadError}`);
  }

  const tools: RegisteredTool[] = [];
  config.tools.forEach((entry) => {
    const { index } = entry;
    const origin = `${config.file} mcp_tools[${index}]`;
    try {
      if (!existsSync(pluginsDir)) throw new HandlerResolutionError(`plugins folder ${pluginsDir}/ not found`);
      const { target } = resolveHandler(entry.handler, pluginsDir);
      const description = descriptions.get(target.module);
      if (
        description &&
        !description.loadError &&
        'exportName' in target &&
        !description.functionExports.includes(target.exportName)
      ) {
        throw new HandlerResolutionError(
          `${pluginsDir}/${target.module} has no exported function "${target.exportName}"`,
        );
      }
      tools.push({
        name: entry.name,
        description: entry.description,
        inputSchema: entry.input_schema,
        annotations: entry.annotations,
        timeoutMs: entry.timeout_ms ?? config.settings.tool_timeout_ms,
        isolation: entry.isolation ?? 'shared',
        maxConcurrency: entry.max_concurrency,
        target: { kind: 'plugin', handler: target },
        origin,
      });
    } catch (error) {
      if (!(error instanceof HandlerResolutionError)) throw error;
      problems.push(`${config.file}: mcp_tools[${index}].handler: ${error.message}`);
    }
  });

  for (const description of descriptions.values()) {
    description.declaredTools?.forEach((raw, index) => {
      const origin = `${pluginsDir}/${description.module} tools[${index}]`;
      const parsed = declaredToolSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push(`${origin}${issue.path.length ? `.${formatKeyPath(issue.path)}` : ''}: ${issue.message}`);
        return;
      }
      const tool = parsed.data;
      tools.push({
        name: tool.name,
        description: tool.description ?? '',
        inputSchema: tool.inputSchema ?? { type: 'object' },
        annotations: tool.annotations,
        timeoutMs: tool.timeoutMs ?? config.settings.tool_timeout_ms,
        isolation: tool.isolation ?? 'shared',
        maxConcurrency: tool.maxConcurrency,
        target: { kind: 'plugin', handler: { module: description.module, declaredTool: tool.name } },
        origin,
      });
    });
  }

  // Checked here too, not only where the gateway compiles them: every problem comes in one report.
  const validatorFor = createSchemaValidators();
  for (const tool of tools) {
    const problem = schemaProblem(validatorFor, tool.inputSchema);
    if (problem !== undefined) problems.push(`${tool.origin}: input_schema does not compile: ${problem}`);
  }

  const firstOrigin = new Map<string, string>();
  for (const tool of tools) {
    const earlier = firstOrigin.get(tool.name);
    if (earlier) problems.push(`duplicate tool name "${tool.name}": ${earlier} and ${tool.origin}`);
    else firstOrigin.set(tool.name, tool.origin);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return tools.map((tool) => Object.freeze(tool));
}
