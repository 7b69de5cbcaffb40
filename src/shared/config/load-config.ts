import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { ConfigError, formatKeyPath } from './config-error.js';
import { parseLiteLlmYaml } from './litellm-yaml.js';
import { readRuntimeEnv, type RuntimeEnv } from './runtime-env.js';
import { parseMcpServers, type UpstreamServerConfig } from './mcp-servers.js';
import { parseRoutingSettings, type RoutingSettings } from './routing-settings.js';
import {
  configFileSchema,
  DEPLOYMENT_DEFAULT_PARAMS,
  knownKeys,
  mcpToolSchema,
  type ConfigFile,
  type McpToolEntry,
} from './schema.js';
import { parseConfigValue, resolveConfigValue, type ConfigValue, type EnvSnapshot } from './secret.js';
import type { ToolgateSettings } from './settings.js';
import { withProviderPrefix } from './provider-route.js';

/** Where the master key came from, for the startup log. */
export type MasterKeySource = 'general_settings.master_key' | 'LITELLM_MASTER_KEY' | 'TOOLGATE_MASTER_KEY';

/** One entry of `model_list`, normalised. */
export interface ModelDeployment {
  readonly modelName: string;
  /** `provider/model`; a name without a prefix gets the provider it belongs to (`withProviderPrefix`). */
  readonly model: string;
  /** The variable `api_key` names (`os.environ/NAME`), to catch a key meant for another provider. */
  readonly apiKeyEnvName: string | undefined;
  readonly apiKey: ConfigValue | undefined;
  readonly apiBase: ConfigValue | undefined;
  readonly apiVersion: string | undefined;
  readonly mockResponse: string | undefined;
  /** Responses API requests pass through to it (`responses_api`, or OpenAI's own endpoint) instead of being translated. */
  readonly servesResponses: boolean;
  readonly timeoutMs: number | undefined;
  /** Load-balancing weight inputs (LiteLLM's simple-shuffle: `weight`, else `rpm`, else `tpm`). */
  readonly weight: number | undefined;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** Request parameters set on the deployment, used where a request does not set them. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Position in `model_list`, for messages. */
  readonly index: number;
}

/** An `mcp_tools` entry that reads well, with its position in the list (for messages). */
export type ConfiguredTool = McpToolEntry & { readonly index: number };

/** The loaded, validated and frozen configuration. */
export interface ToolgateConfig {
  readonly file: string;
  readonly runtime: RuntimeEnv;
  /** The `mcp_tools` entries that read well. */
  readonly tools: readonly ConfiguredTool[];
  /**
   * What is wrong with the other entries. The tool registry reports these with the handler and schema
   * problems it finds, so that one start lists every problem of the config and its plugins.
   */
  readonly toolEntryProblems: readonly string[];
  readonly models: readonly ModelDeployment[];
  /**
   * `general_settings.master_key` (resolved at load: a missing variable stops startup), else
   * `LITELLM_MASTER_KEY`, else `TOOLGATE_MASTER_KEY`, as LiteLLM reads it.
   */
  readonly masterKey: string | undefined;
  readonly masterKeySource: MasterKeySource | undefined;
  readonly routing: RoutingSettings;
  /** `mcp_servers`, in config order. */
  readonly upstreamServers: readonly UpstreamServerConfig[];
  readonly settings: ToolgateSettings;
  /** The environment as it was at load, with `environment_variables` applied. */
  readonly env: EnvSnapshot;
  readonly warnings: readonly string[];
}

export interface LoadConfigOptions {
  /** CLI flags; they win over the environment. */
  readonly flags?: Partial<RuntimeEnv>;
  /** Defaults to `process.env`, which then also receives `environment_variables` (plugins read it). */
  readonly env?: NodeJS.ProcessEnv;
}

function unknownKeyWarnings(file: string, data: ConfigFile): string[] {
  const warnings: string[] = [];
  const check = (value: unknown, known: readonly string[], where: string) => {
    if (value === null || typeof value !== 'object') return;
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      // A typo (master_kye) is the usual cause: name the key it was probably meant to be.
      const nearest = closest(key, [...known]);
      const hint =
        distance(key, nearest) <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean ${nearest}?)` : '';
      warnings.push(`${file}: ${where}${where ? '.' : ''}${key}: unknown key, ignored${hint}`);
    }
  };
  check(data, knownKeys.top, '');
  // litellm_settings and router_settings are checked key by key where they are read.
  data.model_list.forEach((entry, index) => {
    check(entry, knownKeys.deployment, `model_list[${index}]`);
    check(entry.litellm_params ?? entry.params, knownKeys.litellmParams, `model_list[${index}].litellm_params`);
  });
  check(data.general_settings, knownKeys.generalSettings, 'general_settings');
  return warnings;
}

function zodProblems(file: string, error: z.ZodError, under: PropertyKey[] = []): string[] {
  return error.issues.map((issue) => `${file}: ${formatKeyPath([...under, ...issue.path])}: ${issue.message}`);
}

/** `mcp_tools` entries, each read on its own: those that read well, and the problems of the others. */
function readToolEntries(file: string, raw: unknown): { tools: ConfiguredTool[]; problems: string[] } {
  const entries = typeof raw === 'object' && raw !== null && 'mcp_tools' in raw ? raw.mcp_tools : undefined;
  const tools: ConfiguredTool[] = [];
  const problems: string[] = [];
  if (!Array.isArray(entries)) return { tools, problems };
  entries.forEach((entry: unknown, index) => {
    const parsed = mcpToolSchema.safeParse(entry);
    if (parsed.success) tools.push(Object.freeze({ ...parsed.data, index }));
    else problems.push(...zodProblems(file, parsed.error, ['mcp_tools', index]));
  });
  return { tools, problems };
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError([`${file}: ${reason}`]);
  }
  const document = parseLiteLlmYaml(text);
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => `${file}: YAML: ${error.message.split('\n')[0]}`));
  }
  const value: unknown = document.toJS() ?? {};
  // A section holding only comments is YAML null: LiteLLM reads it as empty, and so do we.
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, section]) => section !== null));
  }
  return value;
}

function normaliseDeployments(data: ConfigFile): ModelDeployment[] {
  return data.model_list.map((entry, index) => {
    const params = entry.litellm_params ?? entry.params;
    if (!params) throw new Error('unreachable: schema requires params');
    const apiKey = params.api_key === undefined ? undefined : parseConfigValue(params.api_key);
    const defaults = Object.fromEntries(
      DEPLOYMENT_DEFAULT_PARAMS.filter((name) => params[name] !== undefined).map((name) => [name, params[name]]),
    );
    return Object.freeze({
      modelName: entry.model_name,
      model: withProviderPrefix(params.model),
      apiKey,
      apiKeyEnvName: apiKey !== undefined && 'envName' in apiKey ? apiKey.envName : undefined,
      apiBase: params.api_base === undefined ? undefined : parseConfigValue(params.api_base),
      apiVersion: params.api_version,
      mockResponse: params.mock_response,
      servesResponses:
        params.responses_api ??
        (params.api_base === undefined && withProviderPrefix(params.model).startsWith('openai/')),
      timeoutMs: params.timeout === undefined ? undefined : params.timeout * 1000,
      weight: params.weight,
      rpm: params.rpm,
      tpm: params.tpm,
      defaults: Object.freeze(defaults),
      index,
    });
  });
}

/**
 * `general_settings.master_key` (resolved now), else `LITELLM_MASTER_KEY`, else `TOOLGATE_MASTER_KEY`.
 * Never runs without auth by accident: a master_key naming a missing variable, or empty, is a problem.
 */
function readMasterKey(
  file: string,
  data: ConfigFile,
  env: EnvSnapshot,
): { masterKey?: string; masterKeySource?: MasterKeySource; problems: string[] } {
  const raw = data.general_settings.master_key;
  if (raw === undefined) {
    const source = (['LITELLM_MASTER_KEY', 'TOOLGATE_MASTER_KEY'] as const).find((name) => Boolean(env[name]));
    return { masterKey: source === undefined ? undefined : env[source], masterKeySource: source, problems: [] };
  }
  let masterKey: string;
  try {
    masterKey = resolveConfigValue(parseConfigValue(raw), env, 'general_settings.master_key');
  } catch (error) {
    return { problems: [`${file}: ${(error as Error).message}`] };
  }
  // An empty key would be matched by an empty header: refuse it rather than accept anyone.
  if (masterKey.trim() === '')
    return {
      problems: [`${file}: general_settings.master_key is empty; set a key, or remove the line to turn auth off`],
    };
  return { masterKey, masterKeySource: 'general_settings.master_key', problems: [] };
}

/**
 * Loads the config file named by the flags, `CONFIG` or `config/config.yaml`. Throws `ConfigError`
 * with every problem found; unknown keys only produce `warnings`.
 */
export function loadConfig(options: LoadConfigOptions = {}): ToolgateConfig {
  const processEnv = options.env ?? process.env;
  const runtime = readRuntimeEnv(processEnv, options.flags);
  const file = runtime.configPath;
  const raw = readYaml(resolve(file));
  const toolEntries = readToolEntries(file, raw);
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError([...zodProblems(file, parsed.error), ...toolEntries.problems]);
  const data = parsed.data;

  const environmentVariables = Object.fromEntries(
    Object.entries(data.environment_variables ?? {}).map(([name, value]) => [name, String(value)]),
  );
  // LiteLLM applies `environment_variables` to the process environment; plugins may rely on that.
  Object.assign(processEnv, environmentVariables);
  const env: EnvSnapshot = Object.freeze({ ...processEnv });

  const auth = readMasterKey(file, data, env);
  const routing = parseRoutingSettings(file, data);
  const upstream = parseMcpServers(file, data.mcp_servers, env);
  const problems = [...auth.problems, ...routing.problems, ...upstream.problems];
  if (problems.length > 0) throw new ConfigError([...problems, ...toolEntries.problems]);
  const { masterKey, masterKeySource } = auth;

  return Object.freeze({
    file,
    runtime,
    tools: Object.freeze(toolEntries.tools),
    toolEntryProblems: Object.freeze(toolEntries.problems),
    models: Object.freeze(normaliseDeployments(data)),
    masterKey,
    masterKeySource,
    routing: routing.routing,
    upstreamServers: Object.freeze(upstream.servers),
    settings: Object.freeze(data.toolgate_settings),
    env,
    warnings: Object.freeze([...unknownKeyWarnings(file, data), ...routing.warnings, ...upstream.warnings]),
  });
}
