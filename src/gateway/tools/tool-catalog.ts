import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '../../shared/config/config-error.js';
import type { RegisteredTool } from '../../shared/plugins/tool-registry.js';

// ajv-formats is CommonJS with a default export that TypeScript sees as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

export interface CatalogTool extends RegisteredTool {
  /** Returns the validation message for bad arguments, or undefined when they are valid. */
  readonly validate: (args: Record<string, unknown>) => string | undefined;
}

export interface ToolCatalog {
  get(name: string): CatalogTool | undefined;
  readonly tools: readonly CatalogTool[];
  /** `tools/list`'s answer: every schema exactly as configured. Built once. */
  readonly mcpTools: readonly Tool[];
}

function createValidators() {
  const options = { strict: false, allErrors: true, validateFormats: true } as const;
  const draft07 = new Ajv(options);
  const draft2020 = new Ajv2020(options);
  addFormats(draft07);
  addFormats(draft2020);
  // MCP 2025-11-25: a schema without `$schema` is JSON Schema 2020-12.
  return (schema: Record<string, unknown>) => {
    const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
    return /draft-0[4-7]/.test(dialect) ? draft07 : draft2020;
  };
}

/**
 * Compiles each tool's input schema once, in the dialect its `$schema` names (draft-07 or 2020-12).
 * A schema that does not compile stops startup, naming the tool.
 */
export function createToolCatalog(registered: readonly RegisteredTool[]): ToolCatalog {
  const validatorFor = createValidators();
  const problems: string[] = [];
  const byName = new Map<string, CatalogTool>();
  for (const tool of registered) {
    let compiled: ValidateFunction;
    try {
      compiled = validatorFor(tool.inputSchema).compile(tool.inputSchema);
    } catch (error) {
      problems.push(`${tool.origin}: input_schema does not compile: ${(error as Error).message}`);
      continue;
    }
    const ajv = validatorFor(tool.inputSchema);
    const validate = (args: Record<string, unknown>) =>
      compiled(args) ? undefined : ajv.errorsText(compiled.errors, { dataVar: 'arguments', separator: '; ' });
    byName.set(tool.name, Object.freeze({ ...tool, validate }));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const tools = [...byName.values()];
  const mcpTools = tools.map(
    (tool): Tool => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as Tool['inputSchema'],
      ...(tool.annotations && { annotations: tool.annotations }),
    }),
  );
  return { get: (name) => byName.get(name), tools, mcpTools };
}
