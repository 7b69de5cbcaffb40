import type { ValidateFunction } from 'ajv';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '../../shared/config/config-error.js';
import type { RegisteredTool } from '../../shared/plugins/tool-registry.js';
import { createSchemaValidators } from '../../shared/plugins/schema-validators.js';

export interface CatalogTool extends RegisteredTool {
  /** Returns the validation message for bad arguments, or undefined when they are valid. */
  readonly validate: (args: Record<string, unknown>) => string | undefined;
}

export interface ToolCatalog {
  get(name: string): CatalogTool | undefined;
  readonly tools: readonly CatalogTool[];
  /** `tools/list`'s answer: every schema exactly as configured or listed upstream. Rebuilt on change. */
  readonly mcpTools: readonly Tool[];
  /**
   * Replaces the tools one upstream server contributes (none while it is unreachable). A name already
   * taken (by a local tool or another server) keeps its first owner; the later tool is left out and
   * reported (once). Returns this server's names left out.
   */
  setUpstreamTools(server: string, tools: readonly RegisteredTool[]): string[];
  /** Calls `listener` after every change to the list. */
  onChange(listener: () => void): () => void;
}

function toMcpTool(tool: CatalogTool): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.annotations && { annotations: tool.annotations }),
  };
}

/**
 * Compiles each tool's input schema once, in the dialect its `$schema` names (draft-07 or 2020-12). A
 * local schema that does not compile stops startup, naming the tool; an upstream one is served without
 * validation (the upstream validates its own arguments) and reported.
 */
export function createToolCatalog(
  registered: readonly RegisteredTool[],
  options: { onProblem?: (message: string) => void } = {},
): ToolCatalog {
  const validatorFor = createSchemaValidators();
  const compile = (tool: RegisteredTool): CatalogTool | string => {
    try {
      const ajv = validatorFor(tool.inputSchema);
      const compiled: ValidateFunction = ajv.compile(tool.inputSchema);
      const validate = (args: Record<string, unknown>) =>
        compiled(args) ? undefined : ajv.errorsText(compiled.errors, { dataVar: 'arguments', separator: '; ' });
      return Object.freeze({ ...tool, validate });
    } catch (error) {
      return `${tool.origin}: input_schema does not compile: ${(error as Error).message}`;
    }
  };

  const local = new Map<string, CatalogTool>();
  const problems: string[] = [];
  for (const tool of registered) {
    const compiled = compile(tool);
    if (typeof compiled === 'string') problems.push(compiled);
    else local.set(tool.name, compiled);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const upstream = new Map<string, CatalogTool[]>();
  // Listings repeat: a tool listed as before keeps its compiled validator (Ajv caches every schema it
  // compiles, so compiling each listing afresh would grow without bound; a schema dropped is removed).
  const compiledUpstream = new Map<string, CatalogTool>();
  const reportedConflicts = new Set<string>();
  const listeners = new Set<() => void>();
  let byName = new Map(local);
  let mcpTools: readonly Tool[] = [...byName.values()].map(toMcpTool);

  return {
    get: (name) => byName.get(name),
    get tools() {
      return [...byName.values()];
    },
    get mcpTools() {
      return mcpTools;
    },
    setUpstreamTools(server, tools) {
      const previous = new Map((upstream.get(server) ?? []).map((tool) => [JSON.stringify(tool), tool] as const));
      const kept = tools.map((tool) => {
        const key = JSON.stringify(tool);
        const known = previous.get(key) ?? compiledUpstream.get(key);
        if (known) return { key, tool: known };
        const compiled = compile(tool);
        if (typeof compiled !== 'string') return { key, tool: compiled };
        options.onProblem?.(`${compiled}; served without argument validation`);
        return { key, tool: Object.freeze({ ...tool, validate: () => undefined }) };
      });
      for (const [key, tool] of previous) {
        if (kept.some((entry) => entry.key === key)) continue;
        compiledUpstream.delete(key);
        // Ajv keeps every schema it compiled: one no longer listed goes, so a server whose schemas keep
        // changing does not grow the gateway's memory.
        validatorFor(tool.inputSchema).removeSchema(tool.inputSchema);
      }
      for (const entry of kept) compiledUpstream.set(entry.key, entry.tool);
      upstream.set(
        server,
        kept.map((entry) => entry.tool),
      );
      const next = new Map(local);
      const excluded: string[] = [];
      for (const serverTools of upstream.values()) {
        for (const tool of serverTools) {
          const owner = next.get(tool.name);
          if (!owner) {
            next.set(tool.name, tool);
            continue;
          }
          if (tool.target.kind === 'upstream' && tool.target.server === server) excluded.push(tool.name);
          const conflict = `${tool.name}|${tool.origin}|${owner.origin}`;
          if (!reportedConflicts.has(conflict)) {
            reportedConflicts.add(conflict);
            options.onProblem?.(`tool name "${tool.name}" from ${tool.origin} is taken by ${owner.origin}; left out`);
          }
        }
      }
      const nextMcpTools = [...next.values()].map(toMcpTool);
      // A refresh that lists the same tools is no change for clients.
      const changed = JSON.stringify(nextMcpTools) !== JSON.stringify(mcpTools);
      byName = next;
      mcpTools = nextMcpTools;
      if (changed) for (const listener of listeners) listener();
      return excluded;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
