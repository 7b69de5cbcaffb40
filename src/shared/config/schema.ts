import { z } from 'zod';
import { TOOL_ISOLATIONS } from '../call/tool-run.js';
import { MAX_TIMER_MS, toolgateSettingsSchema } from './settings.js';

/** MCP tool names: what OpenAI also accepts, so a tool can be handed to any model unchanged. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const toolName = z.string().regex(TOOL_NAME_PATTERN, 'expected a name matching ^[A-Za-z0-9_-]{1,64}$');

const jsonSchemaObject = z.record(z.string(), z.unknown());

/** `shared` (default): calls interleave on a thread; `exclusive`: each call alone on a thread. */
export const toolIsolationSchema = z.enum(TOOL_ISOLATIONS);

export const toolAnnotationsSchema = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .strict();

export const mcpToolSchema = z
  .object({
    name: toolName,
    description: z.string().default(''),
    input_schema: jsonSchemaObject.default({ type: 'object' }),
    handler: z.string().min(1, 'expected "module.function"'),
    timeout_ms: z.number().int().positive().max(MAX_TIMER_MS).optional(),
    annotations: toolAnnotationsSchema.optional(),
    isolation: toolIsolationSchema.optional(),
    max_concurrency: z.number().int().positive().optional(),
  })
  .strict();

const deploymentParamsSchema = z.looseObject({
  model: z.string().min(1, 'expected "provider/model"'),
  api_key: z.string().optional(),
  api_base: z.string().optional(),
  api_version: z.string().optional(),
  mock_response: z.string().optional(),
  timeout: z.number().positive().optional(),
  rpm: z.number().nonnegative().optional(),
  tpm: z.number().nonnegative().optional(),
  weight: z.number().nonnegative().optional(),
  /** The upstream serves OpenAI's Responses API itself (OpenAI's own does, by default): passed through. */
  responses_api: z.boolean().optional(),
});

/** Request parameters a deployment may set, applied when a request does not set them (as LiteLLM does). */
export const DEPLOYMENT_DEFAULT_PARAMS = [
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'stop',
] as const;

export const modelDeploymentSchema = z
  .looseObject({
    model_name: z.string().min(1),
    litellm_params: deploymentParamsSchema.optional(),
    params: deploymentParamsSchema.optional(),
    model_info: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((entry) => entry.litellm_params !== undefined || entry.params !== undefined, {
    message: 'expected litellm_params (or params) with a model',
    path: ['litellm_params'],
  });

export const configFileSchema = z.looseObject({
  model_list: z.array(modelDeploymentSchema).default([]),
  // Each entry is read on its own (`mcpToolSchema`): a bad one is reported with the plugins' problems.
  mcp_tools: z.array(z.unknown()).default([]),
  // A map keyed by server name, or (LiteLLM's deployment docs) a list of entries with `server_name`.
  mcp_servers: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  general_settings: z.looseObject({ master_key: z.string().optional() }).default({}),
  litellm_settings: z.record(z.string(), z.unknown()).optional(),
  router_settings: z.record(z.string(), z.unknown()).optional(),
  toolgate_settings: toolgateSettingsSchema.default(toolgateSettingsSchema.parse({})),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type McpToolEntry = z.infer<typeof mcpToolSchema>;
export type ToolAnnotations = z.infer<typeof toolAnnotationsSchema>;

/** Keys toolgate reads; others in these places are warned about (so LiteLLM configs load), never fatal. */
export const knownKeys = {
  top: [
    'model_list',
    'mcp_tools',
    'mcp_servers',
    'environment_variables',
    'general_settings',
    'litellm_settings',
    'router_settings',
    'toolgate_settings',
  ],
  deployment: ['model_name', 'litellm_params', 'params', 'model_info'],
  litellmParams: [
    'model',
    'api_key',
    'api_base',
    'api_version',
    'mock_response',
    'timeout',
    'rpm',
    'tpm',
    'weight',
    'responses_api',
    ...DEPLOYMENT_DEFAULT_PARAMS,
  ],
  generalSettings: ['master_key'],
} as const;
