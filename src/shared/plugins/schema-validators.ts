import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export that TypeScript sees as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

/**
 * Validators for tools' input schemas: returns the Ajv instance for a schema's dialect (draft-07 for
 * drafts 04 to 07, else 2020-12, which MCP 2025-11-25 makes the default for a schema without `$schema`).
 */
export function createSchemaValidators(): (schema: Record<string, unknown>) => Ajv | Ajv2020 {
  const options = { strict: false, allErrors: true, validateFormats: true } as const;
  const draft07 = new Ajv(options);
  const draft2020 = new Ajv2020(options);
  addFormats(draft07);
  addFormats(draft2020);
  return (schema) => {
    const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
    return /draft-0[4-7]/.test(dialect) ? draft07 : draft2020;
  };
}

/** Why a schema does not compile, or undefined when it does (nothing of it is kept). */
export function schemaProblem(
  validatorFor: ReturnType<typeof createSchemaValidators>,
  schema: Record<string, unknown>,
): string | undefined {
  const ajv = validatorFor(schema);
  try {
    ajv.compile(schema);
    ajv.removeSchema(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
